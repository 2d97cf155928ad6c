//! Who may do what. arbot's four roles (chat platforms map their own roles onto them), the
//! person asking ([`Actor`]), and the one permission table that commands and buttons both read:
//! each command and each button names the [`Permission`] it needs, and only this file says which
//! roles hold it.

/// arbot's roles; chat platforms map their own roles onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The AR team: everything.
    Ar,
    /// Project managers: read, acknowledge escalations, log notes and promises on their own
    /// accounts.
    Pm,
    /// Office manager, controller, CFO: read and reports.
    Manager,
    /// Read-only.
    Viewer,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Ar => "AR",
            Role::Pm => "PM",
            Role::Manager => "manager",
            Role::Viewer => "viewer",
        }
    }
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read balances, reports and deadlines.
    Read,
    /// Record what the AR team does: notices served, job facts.
    Record,
    /// Open an escalation for an account.
    Escalate,
    /// Acknowledge, snooze, take or resolve an escalation.
    ActOnEscalation,
    /// Pull from the accounting system now.
    Sync,
    /// Read the audit trail: who changed what, when, before and after.
    Audit,
    /// Log notes and promises on an account (a PM only on their own accounts).
    Log,
}

/// The permission table: which roles hold each permission.
const TABLE: &[(Permission, &[Role])] = &[
    (Permission::Read, &[Role::Ar, Role::Pm, Role::Manager, Role::Viewer]),
    (Permission::Record, &[Role::Ar, Role::Manager]),
    (Permission::Escalate, &[Role::Ar, Role::Manager]),
    (Permission::ActOnEscalation, &[Role::Pm, Role::Ar, Role::Manager]),
    (Permission::Sync, &[Role::Ar, Role::Manager]),
    (Permission::Audit, &[Role::Ar, Role::Manager]),
    (Permission::Log, &[Role::Ar, Role::Manager, Role::Pm]),
];

impl Permission {
    /// The roles that hold this permission.
    pub fn roles(self) -> &'static [Role] {
        TABLE.iter().find(|(p, _)| *p == self).map(|(_, roles)| *roles).unwrap_or(&[])
    }

    /// "AR or manager".
    pub fn roles_text(self) -> String {
        self.roles().iter().map(Role::as_str).collect::<Vec<_>>().join(" or ")
    }
}

/// The people who hold a permission, as a sentence says it: "a PM, the AR team or a manager".
pub fn who_holds(permission: Permission) -> String {
    let people: Vec<&str> = permission
        .roles()
        .iter()
        .map(|r| match r {
            Role::Ar => "the AR team",
            Role::Pm => "a PM",
            Role::Manager => "a manager",
            Role::Viewer => "a viewer",
        })
        .collect();
    match people.as_slice() {
        [] => "nobody".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
}

impl Actor {
    /// The person at the console: the operator of this arbot, with every role.
    pub fn console() -> Actor {
        let name = std::env::var("USER").unwrap_or_else(|_| "console".to_string());
        Actor { id: "console".to_string(), name, roles: vec![Role::Ar, Role::Manager] }
    }

    pub fn may(&self, permission: Permission) -> bool {
        permission.roles().iter().any(|r| self.roles.contains(r))
    }

    /// "AR, PM", or "none".
    pub fn roles_text(&self) -> String {
        if self.roles.is_empty() {
            "none".to_string()
        } else {
            self.roles.iter().map(Role::as_str).collect::<Vec<_>>().join(", ")
        }
    }

    /// `Ok` if this person may do it, else the sentence that says who may:
    /// "/ar sync needs the AR or manager role (your roles: viewer). Ask in the AR channel."
    pub fn check(&self, permission: Permission, what: &str) -> Result<(), String> {
        if self.may(permission) {
            return Ok(());
        }
        Err(format!(
            "{what} needs the {} role (your roles: {}). Ask in the AR channel.",
            permission.roles_text(),
            self.roles_text()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(roles: &[Role]) -> Actor {
        Actor { id: "1".into(), name: "lee".into(), roles: roles.to_vec() }
    }

    #[test]
    fn every_permission_is_in_the_table() {
        for p in [
            Permission::Read,
            Permission::Record,
            Permission::Escalate,
            Permission::ActOnEscalation,
            Permission::Sync,
            Permission::Audit,
            Permission::Log,
        ] {
            assert!(!p.roles().is_empty(), "{p:?}");
        }
    }

    #[test]
    fn roles_hold_what_the_table_says() {
        assert!(with(&[Role::Viewer]).may(Permission::Read));
        assert!(!with(&[Role::Viewer]).may(Permission::ActOnEscalation));
        assert!(with(&[Role::Pm]).may(Permission::ActOnEscalation));
        assert!(!with(&[Role::Pm]).may(Permission::Escalate));
        assert!(!with(&[]).may(Permission::Read));
        assert!(with(&[Role::Manager]).may(Permission::Audit));
        assert!(!with(&[Role::Pm]).may(Permission::Audit));
        assert!(!with(&[Role::Viewer]).may(Permission::Audit));
        let e = with(&[Role::Viewer]).check(Permission::Sync, "/ar sync").unwrap_err();
        assert_eq!(e, "/ar sync needs the AR or manager role (your roles: viewer). Ask in the AR channel.");
    }
}
