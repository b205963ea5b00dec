// go-keepalive: the lease keep-alive workload of etcd-bench (-op lease-keepalive), written against the
// official Go client (clientv3.KeepAlive) so that the two can be compared. It prints the same JSON line as
// shared/peers/gobench. Build it with build.sh (offline, from Debian's Go packages).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.uber.org/zap"
)

func main() {
	endpoint := flag.String("endpoint", envOr("ETCD_ENDPOINT", "127.0.0.1:2379"), "etcd endpoint")
	op := flag.String("op", "lease-keepalive", "only lease-keepalive")
	total := flag.Int("total", 6000, "acknowledged renewals to count")
	clients := flag.Int("clients", 1000, "leases kept alive")
	conns := flag.Int("conns", 1, "clientv3.Client instances; lease i uses conn i%conns")
	ttl := flag.Int64("ttl", 2, "lease TTL in seconds")
	serverPid := flag.Int("server-pid", envInt("ETCD_SERVER_PID"), "etcd PID for server CPU")
	flag.Parse()
	if *op != "lease-keepalive" {
		fatal("unknown op %q", *op)
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(zap.ErrorLevel)
	clis := make([]*clientv3.Client, *conns)
	for i := range clis {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second, LogConfig: &zc})
		if err != nil {
			fatal("connect: %v", err)
		}
		defer c.Close()
		clis[i] = c
	}
	ctx := context.Background()
	st, err := clis[0].Status(ctx, *endpoint)
	if err != nil {
		fatal("status: %v", err)
	}
	leases := make([]clientv3.LeaseID, *clients)
	for i := range leases {
		g, err := clis[i%len(clis)].Grant(ctx, *ttl)
		if err != nil {
			fatal("grant: %v", err)
		}
		leases[i] = g.ID
	}
	var renewals int64
	var mu sync.Mutex
	var samples []time.Duration
	runCtx, cancel := context.WithCancel(ctx)
	cpu0, srv0 := selfCPU(), procCPU(*serverPid)
	start := time.Now()
	var wg sync.WaitGroup
	for i, id := range leases {
		ch, err := clis[i%len(clis)].KeepAlive(runCtx, id)
		if err != nil {
			fatal("keepalive: %v", err)
		}
		wg.Add(1)
		go func(ch <-chan *clientv3.LeaseKeepAliveResponse) {
			defer wg.Done()
			var last time.Time
			var mine []time.Duration
			for range ch {
				now := time.Now()
				if !last.IsZero() {
					mine = append(mine, now.Sub(last))
				}
				last = now
				if atomic.AddInt64(&renewals, 1) >= int64(*total) {
					cancel()
				}
			}
			mu.Lock()
			samples = append(samples, mine...)
			mu.Unlock()
		}(ch)
	}
	<-runCtx.Done()
	elapsed := time.Since(start)
	cpu1, srv1 := selfCPU(), procCPU(*serverPid)
	wg.Wait()
	for i, id := range leases {
		clis[i%len(clis)].Revoke(ctx, id)
	}
	res := map[string]interface{}{
		"impl": "go-clientv3", "client_version": "3.4.23", "server_version": st.Version, "op": *op,
		"total": *total, "clients": *clients, "conns": *conns, "key_size": 0, "val_size": 0,
		"elapsed_s": round(elapsed.Seconds(), 4), "ops_per_sec": round(float64(*total)/elapsed.Seconds(), 1),
		"latency_of": "time between two acknowledged renewals of one lease", "errors": 0,
		"client_cpu_s": round(cpu1-cpu0, 3), "client_cpu_us_per_op": round((cpu1-cpu0)*1e6/float64(*total), 1),
		"extra": map[string]interface{}{"ttl_s": *ttl},
	}
	if srv0 >= 0 && srv1 >= 0 {
		res["server_cpu_s"] = round(srv1-srv0, 3)
		res["server_cpu_us_per_op"] = round((srv1-srv0)*1e6/float64(*total), 1)
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	if n := len(samples); n > 0 {
		pct := func(p float64) float64 {
			i := int(float64(n)*p+0.5) - 1
			if i < 0 {
				i = 0
			}
			if i >= n {
				i = n - 1
			}
			return round(float64(samples[i])/1e6, 3)
		}
		var sum time.Duration
		for _, s := range samples {
			sum += s
		}
		res["p50_ms"], res["p90_ms"], res["p99_ms"] = pct(0.5), pct(0.9), pct(0.99)
		res["max_ms"] = round(float64(samples[n-1])/1e6, 3)
		res["mean_ms"] = round(float64(sum)/float64(n)/1e6, 3)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

func fatal(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-keepalive: "+format+"\n", a...)
	os.Exit(1)
}

func round(x float64, digits int) float64 {
	p := 1.0
	for i := 0; i < digits; i++ {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}

func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func procCPU(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100.0
}
