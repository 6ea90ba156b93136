"use client";
import { createUserForm } from "@/lib/admin/actions/create-user";
import { PASSWORD_MIN, USERNAME_RULE } from "@/lib/domain/admin-rules";
import { ROLES } from "@/lib/domain/permissions";
import styles from "./admin.module.css";
import { FieldError, FormMessage, invalid, SubmitButton, useActionForm } from "./form-kit";

export function CreateUserForm() {
  const { state, pending, onSubmit, formRef } = useActionForm(createUserForm);
  return (
    <form ref={formRef} className={styles.form} onSubmit={onSubmit} aria-label="Create a local user" noValidate>
      <div className={styles.row}>
        <label className={styles.field}>
          <span>Username</span>
          <input type="text" name="username" autoComplete="off" required {...invalid(state, "username")} />
          <span className={styles.hint}>{USERNAME_RULE}.</span>
          <FieldError state={state} name="username" />
        </label>
        <label className={styles.field}>
          <span>Display name (optional)</span>
          <input type="text" name="displayName" autoComplete="off" {...invalid(state, "displayName")} />
          <FieldError state={state} name="displayName" />
        </label>
      </div>
      <div className={styles.row}>
        <label className={styles.field}>
          <span>Role</span>
          <select name="role" defaultValue="viewer" {...invalid(state, "role")}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
          <FieldError state={state} name="role" />
        </label>
        <label className={styles.field}>
          <span>Groups (optional)</span>
          <input type="text" name="groups" autoComplete="off" placeholder="payments-approvers, sre" {...invalid(state, "groups")} />
          <span className={styles.hint}>Separated by commas; an approval policy can require one.</span>
          <FieldError state={state} name="groups" />
        </label>
      </div>
      <label className={styles.field}>
        <span>Password</span>
        <input type="password" name="password" autoComplete="new-password" required minLength={PASSWORD_MIN} {...invalid(state, "password")} />
        <span className={styles.hint}>At least {PASSWORD_MIN} characters. Stored as an argon2id hash only; give it to the person yourself.</span>
        <FieldError state={state} name="password" />
      </label>
      <FormMessage state={state} success={(user) => <>Created {user.username} ({user.role}).</>} />
      <div className={styles.actions}>
        <SubmitButton pending={pending} pendingText="Creating…">
          Create user
        </SubmitButton>
      </div>
    </form>
  );
}
