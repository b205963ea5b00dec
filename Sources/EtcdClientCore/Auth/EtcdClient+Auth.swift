import _EtcdWire

extension EtcdClient {
    /// Turns authentication on. A `root` user with the `root` role must exist.
    ///
    /// - Throws: `EtcdError` (`.rootUserNotExist`, `.rootRoleNotExist`, ...).
    public func enableAuthentication() async throws {
        _ = try await call(EtcdserverPB.AuthService.AuthEnable.self, EtcdserverPB.AuthEnableRequest())
    }

    /// Turns authentication off (as `root`).
    ///
    /// - Throws: `EtcdError` (`.permissionDenied`, ...).
    public func disableAuthentication() async throws {
        _ = try await call(EtcdserverPB.AuthService.AuthDisable.self, EtcdserverPB.AuthDisableRequest())
    }

    /// Adds a user with a password.
    ///
    /// - Throws: `EtcdError` (`.userAlreadyExists`, `.userEmpty`, ...).
    public func addUser(_ name: String, password: String) async throws {
        var request = EtcdserverPB.AuthUserAddRequest()
        request.name = name
        request.password = password
        _ = try await call(EtcdserverPB.AuthService.UserAdd.self, request)
    }

    /// The roles granted to a user.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, ...).
    public func user(_ name: String) async throws -> [String] {
        var request = EtcdserverPB.AuthUserGetRequest()
        request.name = name
        return try await call(EtcdserverPB.AuthService.UserGet.self, request).roles
    }

    /// Every user's name.
    ///
    /// - Throws: `EtcdError`.
    public func users() async throws -> [String] {
        try await call(EtcdserverPB.AuthService.UserList.self, EtcdserverPB.AuthUserListRequest()).users
    }

    /// Deletes a user.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, ...).
    public func deleteUser(_ name: String) async throws {
        var request = EtcdserverPB.AuthUserDeleteRequest()
        request.name = name
        _ = try await call(EtcdserverPB.AuthService.UserDelete.self, request)
    }

    /// Changes a user's password.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, ...).
    public func changePassword(ofUser name: String, to password: String) async throws {
        var request = EtcdserverPB.AuthUserChangePasswordRequest()
        request.name = name
        request.password = password
        _ = try await call(EtcdserverPB.AuthService.UserChangePassword.self, request)
    }

    /// Grants a role to a user.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, `.roleNotFound`, ...).
    public func grantRole(_ role: String, toUser user: String) async throws {
        var request = EtcdserverPB.AuthUserGrantRoleRequest()
        request.user = user
        request.role = role
        _ = try await call(EtcdserverPB.AuthService.UserGrantRole.self, request)
    }

    /// Revokes a role from a user.
    ///
    /// - Throws: `EtcdError` (`.roleNotGranted`, ...).
    public func revokeRole(_ role: String, fromUser user: String) async throws {
        var request = EtcdserverPB.AuthUserRevokeRoleRequest()
        request.name = user
        request.role = role
        _ = try await call(EtcdserverPB.AuthService.UserRevokeRole.self, request)
    }

    /// Adds a role.
    ///
    /// - Throws: `EtcdError` (`.roleAlreadyExists`, `.roleEmpty`, ...).
    public func addRole(_ name: String) async throws {
        var request = EtcdserverPB.AuthRoleAddRequest()
        request.name = name
        _ = try await call(EtcdserverPB.AuthService.RoleAdd.self, request)
    }

    /// A role's permissions.
    ///
    /// - Throws: `EtcdError` (`.roleNotFound`, ...).
    public func role(_ name: String) async throws -> [EtcdPermission] {
        var request = EtcdserverPB.AuthRoleGetRequest()
        request.role = name
        return try await call(EtcdserverPB.AuthService.RoleGet.self, request).perm.map(EtcdPermission.init)
    }

    /// Every role's name.
    ///
    /// - Throws: `EtcdError`.
    public func roles() async throws -> [String] {
        try await call(EtcdserverPB.AuthService.RoleList.self, EtcdserverPB.AuthRoleListRequest()).roles
    }

    /// Deletes a role.
    ///
    /// - Throws: `EtcdError` (`.roleNotFound`, ...).
    public func deleteRole(_ name: String) async throws {
        var request = EtcdserverPB.AuthRoleDeleteRequest()
        request.role = name
        _ = try await call(EtcdserverPB.AuthService.RoleDelete.self, request)
    }

    /// Grants a role a permission on a key, prefix or range.
    ///
    /// - Throws: `EtcdError` (`.roleNotFound`, ...).
    public func grantPermission(_ permission: EtcdPermission, toRole role: String) async throws {
        var request = EtcdserverPB.AuthRoleGrantPermissionRequest()
        request.name = role
        request.perm = permission.message
        _ = try await call(EtcdserverPB.AuthService.RoleGrantPermission.self, request)
    }

    /// Revokes a role's permission on a key, prefix or range.
    ///
    /// - Throws: `EtcdError` (`.permissionNotGranted`, ...).
    public func revokePermission(on range: EtcdKeyRange, fromRole role: String) async throws {
        var request = EtcdserverPB.AuthRoleRevokePermissionRequest()
        request.role = role
        request.key = range.start
        request.rangeEnd = range.end
        _ = try await call(EtcdserverPB.AuthService.RoleRevokePermission.self, request)
    }
}
