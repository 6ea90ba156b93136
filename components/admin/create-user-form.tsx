"use client";
import { createUserForm } from "@/lib/admin/actions/create-user";
import { PASSWORD_MIN, USERNAME_RULE } from "@/lib/domain/admin-rules";
import { ROLES } from "@/lib/domain/permissions";
import styles from "./admin.module.css";
import { FormActions, FormMessage, SelectField, TextField, useActionForm } from "./form-kit";

export function CreateUserForm() {
  const { state, pending, onSubmit, formRef } = useActionForm(createUserForm);
  return (
    <form ref={formRef} className={styles.form} onSubmit={onSubmit} aria-label="Create a local user" noValidate>
      <div className={styles.row}>
        <TextField
          state={state}
          label="Username"
          name="username"
          type="text"
          autoComplete="off"
          required
          hint={<>{USERNAME_RULE}.</>}
        />
        <TextField state={state} label="Display name (optional)" name="displayName" type="text" autoComplete="off" />
      </div>
      <div className={styles.row}>
        <SelectField state={state} label="Role" name="role" options={ROLES} defaultValue="viewer" />
        <TextField
          state={state}
          label="Groups (optional)"
          name="groups"
          type="text"
          autoComplete="off"
          placeholder="payments-approvers, sre"
          hint="Separated by commas; an approval policy can require one."
        />
      </div>
      <TextField
        state={state}
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={PASSWORD_MIN}
        hint={<>At least {PASSWORD_MIN} characters. Stored as an argon2id hash only; give it to the person yourself.</>}
      />
      <FormMessage
        state={state}
        success={(user) => (
          <>
            Created {user.username} ({user.role}).
          </>
        )}
      />
      <FormActions pending={pending} pendingText="Creating…">
        Create user
      </FormActions>
    </form>
  );
}
