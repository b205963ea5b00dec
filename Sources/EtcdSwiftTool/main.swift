import EtcdCommandLine
import Foundation

exit(await EtcdSwiftTool.main(arguments: Array(CommandLine.arguments.dropFirst())))
