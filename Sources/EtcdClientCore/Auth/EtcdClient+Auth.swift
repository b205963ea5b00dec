import _EtcdWire

/// Authentication administration. Each change returns the header of etcd's answer (its revision is the auth
/// store's, not the key-value store's).
extension EtcdClient {
    /// Turns authentication on. A `root` user with the `root` role must exist.
    ///
    /// - Throws: `EtcdError` (`.rootUserNotExist`, `.rootRoleNotExist`, ...).
    @discardableResult
    public func enableAuthentication() async throws -> EtcdResponseHeader {
        EtcdResponseHeader(
            try await call(EtcdserverPB.AuthService.AuthEnable.self, EtcdserverPB.AuthEnableRequest()).header
        )
    }

    /// Turns authentication off (as `root`).
    ///
    /// - Throws: `EtcdError` (`.permissionDenied`, ...).
    @discardableResult
    public func disableAuthentication() async throws -> EtcdResponseHeader {
        EtcdResponseHeader(
            try await call(EtcdserverPB.AuthService.AuthDisable.self, EtcdserverPB.AuthDisableRequest()).header
        )
    }

    /// Adds a user with a password.
    ///
    /// - Throws: `EtcdError` (`.userAlreadyExists`, `.userEmpty`, ...).
    @discardableResult
    public func addUser(_ name: String, password: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthUserAddRequest()
        request.name = name
        request.password = password
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.UserAdd.self, request).header)
    }

    /// The roles granted to a user.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, ...).
    public func user(_ name: String) async throws -> [String] {
        try await userWithHeader(name).roles
    }

    /// ``user(_:)`` with the response header (for tools that print it).
    package func userWithHeader(_ name: String) async throws -> (header: EtcdResponseHeader, roles: [String]) {
        var request = EtcdserverPB.AuthUserGetRequest()
        request.name = name
        let response = try await call(EtcdserverPB.AuthService.UserGet.self, request)
        return (EtcdResponseHeader(response.header), response.roles)
    }

    /// Every user's name.
    ///
    /// - Throws: `EtcdError`.
    public func users() async throws -> [String] {
        try await usersWithHeader().users
    }

    /// ``users()`` with the response header (for tools that print it).
    package func usersWithHeader() async throws -> (header: EtcdResponseHeader, users: [String]) {
        let response = try await call(EtcdserverPB.AuthService.UserList.self, EtcdserverPB.AuthUserListRequest())
        return (EtcdResponseHeader(response.header), response.users)
    }

    /// Deletes a user.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, ...).
    @discardableResult
    public func deleteUser(_ name: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthUserDeleteRequest()
        request.name = name
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.UserDelete.self, request).header)
    }

    /// Changes a user's password.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, ...).
    @discardableResult
    public func changePassword(ofUser name: String, to password: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthUserChangePasswordRequest()
        request.name = name
        request.password = password
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.UserChangePassword.self, request).header)
    }

    /// Grants a role to a user.
    ///
    /// - Throws: `EtcdError` (`.userNotFound`, `.roleNotFound`, ...).
    @discardableResult
    public func grantRole(_ role: String, toUser user: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthUserGrantRoleRequest()
        request.user = user
        request.role = role
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.UserGrantRole.self, request).header)
    }

    /// Revokes a role from a user.
    ///
    /// - Throws: `EtcdError` (`.roleNotGranted`, ...).
    @discardableResult
    public func revokeRole(_ role: String, fromUser user: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthUserRevokeRoleRequest()
        request.name = user
        request.role = role
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.UserRevokeRole.self, request).header)
    }

    /// Adds a role.
    ///
    /// - Throws: `EtcdError` (`.roleAlreadyExists`, `.roleEmpty`, ...).
    @discardableResult
    public func addRole(_ name: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthRoleAddRequest()
        request.name = name
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.RoleAdd.self, request).header)
    }

    /// A role's permissions.
    ///
    /// - Throws: `EtcdError` (`.roleNotFound`, ...).
    public func role(_ name: String) async throws -> [EtcdPermission] {
        try await roleWithHeader(name).permissions
    }

    /// ``role(_:)`` with the response header (for tools that print it).
    package func roleWithHeader(
        _ name: String
    ) async throws -> (
        header: EtcdResponseHeader, permissions: [EtcdPermission]
    ) {
        var request = EtcdserverPB.AuthRoleGetRequest()
        request.role = name
        let response = try await call(EtcdserverPB.AuthService.RoleGet.self, request)
        return (EtcdResponseHeader(response.header), response.perm.map(EtcdPermission.init))
    }

    /// Every role's name.
    ///
    /// - Throws: `EtcdError`.
    public func roles() async throws -> [String] {
        try await rolesWithHeader().roles
    }

    /// ``roles()`` with the response header (for tools that print it).
    package func rolesWithHeader() async throws -> (header: EtcdResponseHeader, roles: [String]) {
        let response = try await call(EtcdserverPB.AuthService.RoleList.self, EtcdserverPB.AuthRoleListRequest())
        return (EtcdResponseHeader(response.header), response.roles)
    }

    /// Deletes a role.
    ///
    /// - Throws: `EtcdError` (`.roleNotFound`, ...).
    @discardableResult
    public func deleteRole(_ name: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthRoleDeleteRequest()
        request.role = name
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.RoleDelete.self, request).header)
    }

    /// Grants a role a permission on a key, prefix or range.
    ///
    /// - Throws: `EtcdError` (`.roleNotFound`, ...).
    @discardableResult
    public func grantPermission(_ permission: EtcdPermission, toRole role: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthRoleGrantPermissionRequest()
        request.name = role
        request.perm = permission.message
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.RoleGrantPermission.self, request).header)
    }

    /// Revokes a role's permission on a key, prefix or range.
    ///
    /// - Throws: `EtcdError` (`.permissionNotGranted`, ...).
    @discardableResult
    public func revokePermission(on range: EtcdKeyRange, fromRole role: String) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.AuthRoleRevokePermissionRequest()
        request.role = role
        request.key = range.start
        request.rangeEnd = range.end
        return EtcdResponseHeader(try await call(EtcdserverPB.AuthService.RoleRevokePermission.self, request).header)
    }
}
