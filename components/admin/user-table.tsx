"use client";
import { changeUserGroupsForm } from "@/lib/admin/actions/change-user-groups";
import { changeUserRoleForm } from "@/lib/admin/actions/change-user-role";
import { disableUser, enableUser } from "@/lib/admin/actions/set-user-disabled";
import { resetUserPasswordForm } from "@/lib/admin/actions/reset-user-password";
import type { UserRow } from "@/lib/admin/queries";
import { PASSWORD_MIN } from "@/lib/domain/admin-rules";
import { ROLES } from "@/lib/domain/permissions";
import { isoUtc, relativeTime } from "@/lib/format";
import styles from "./admin.module.css";
import { ConfirmButton, FormActions, FormMessage, SelectField, TextField, useActionForm } from "./form-kit";

export function UserTable({ users, selfId, now }: { users: UserRow[]; selfId: number; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="Users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Signs in with</th>
            <th>Groups</th>
            <th>Last sign-in</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id} className={user.disabledAt ? styles.dim : undefined} data-user={user.username}>
              <td>
                <b>{user.username}</b>
                {user.id === selfId ? (
                  <span className="badge info" style={{ marginLeft: 6 }}>
                    you
                  </span>
                ) : null}
                {user.displayName && user.displayName !== user.username ? (
                  <div className="when">{user.displayName}</div>
                ) : null}
              </td>
              <td>
                <span className={`badge ${user.role === "admin" ? "info" : "neutral"}`} data-role={user.role}>
                  {user.role}
                </span>
              </td>
              <td>{user.source === "oidc" ? "OIDC issuer" : "local password"}</td>
              <td>
                {user.groups.length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  <div className="labels">
                    {user.groups.map((g) => (
                      <span key={g} className="label">
                        {g}
                      </span>
                    ))}
                  </div>
                )}
              </td>
              <td title={user.lastSignInAt ? isoUtc(user.lastSignInAt) : undefined}>
                {user.lastSignInAt ? relativeTime(user.lastSignInAt, now) : "never"}
              </td>
              <td>
                {user.disabledAt ? (
                  <span className="badge bad" title={isoUtc(user.disabledAt)}>
                    disabled {relativeTime(user.disabledAt, now)}
                  </span>
                ) : (
                  <span className="badge ok">enabled</span>
                )}
              </td>
              <td>
                <ManageUser user={user} self={user.id === selfId} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ManageUser({ user, self }: { user: UserRow; self: boolean }) {
  return (
    <details className={styles.manage}>
      <summary>Manage</summary>
      {user.source === "oidc" ? (
        <p className={styles.hint}>
          {user.username} signs in through the OIDC issuer: their role and groups are mapped again from the
          issuer&apos;s claims at each sign-in, so a change here lasts until then. Change their groups at the issuer for
          good.
        </p>
      ) : null}
      <RoleForm user={user} self={self} />
      <GroupsForm user={user} />
      {user.source === "local" ? <PasswordForm user={user} /> : null}
      <div className={styles.form}>
        {self ? (
          <span className={styles.hint}>
            This is you: you cannot disable yourself or remove your own admin role. Another admin can.
          </span>
        ) : user.disabledAt ? (
          <ConfirmButton
            label="Enable"
            question={`Let ${user.username} sign in again?`}
            confirmLabel="Enable"
            pendingText="Enabling…"
            danger={false}
            run={() => enableUser({ userId: user.id })}
          />
        ) : (
          <ConfirmButton
            label="Disable"
            question={`Disable ${user.username}? They are signed out at their next click.`}
            confirmLabel="Disable"
            pendingText="Disabling…"
            run={() => disableUser({ userId: user.id })}
          />
        )}
      </div>
    </details>
  );
}

function RoleForm({ user, self }: { user: UserRow; self: boolean }) {
  const { state, pending, onSubmit } = useActionForm(changeUserRoleForm, { resetOnSuccess: false });
  return (
    <form className={styles.form} onSubmit={onSubmit} aria-label={`Role of ${user.username}`}>
      <input type="hidden" name="userId" value={user.id} />
      <SelectField state={state} label="Role" name="role" options={ROLES} defaultValue={user.role} disabled={self} />
      <FormMessage
        state={state}
        success={(r) => (
          <>
            {r.username} is now {r.after.role}.
          </>
        )}
      />
      {self ? null : (
        <FormActions pending={pending} pendingText="Saving…" small>
          Save role
        </FormActions>
      )}
    </form>
  );
}

function GroupsForm({ user }: { user: UserRow }) {
  const { state, pending, onSubmit } = useActionForm(changeUserGroupsForm, { resetOnSuccess: false });
  return (
    <form className={styles.form} onSubmit={onSubmit} aria-label={`Groups of ${user.username}`}>
      <input type="hidden" name="userId" value={user.id} />
      <TextField
        state={state}
        label="Groups"
        name="groups"
        type="text"
        defaultValue={user.groups.join(", ")}
        placeholder="none"
        hint="Separated by commas."
      />
      <FormMessage state={state} success={(r) => <>Groups of {r.username} saved.</>} />
      <FormActions pending={pending} pendingText="Saving…" small>
        Save groups
      </FormActions>
    </form>
  );
}

function PasswordForm({ user }: { user: UserRow }) {
  const { state, pending, onSubmit, formRef } = useActionForm(resetUserPasswordForm);
  return (
    <form
      ref={formRef}
      className={styles.form}
      onSubmit={onSubmit}
      aria-label={`Reset the password of ${user.username}`}
      noValidate
    >
      <input type="hidden" name="userId" value={user.id} />
      <TextField
        state={state}
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={PASSWORD_MIN}
        hint={<>At least {PASSWORD_MIN} characters.</>}
      />
      <FormMessage state={state} success={(r) => <>Password of {r.username} changed.</>} />
      <FormActions pending={pending} pendingText="Saving…" small>
        Set password
      </FormActions>
    </form>
  );
}
