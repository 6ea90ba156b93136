"use client";
import { revokeToken } from "@/lib/admin/actions/revoke-token";
import type { TokenRow } from "@/lib/admin/queries";
import { isoUtc, relativeTime } from "@/lib/format";
import styles from "./admin.module.css";
import { ConfirmButton } from "./form-kit";

export function TokenTable({ tokens, now }: { tokens: TokenRow[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="Tokens">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Scopes</th>
            <th>Services</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} className={token.revokedAt ? styles.dim : undefined} data-token={token.prefix}>
              <td>
                {token.name}
                {token.configured ? <div className="when">stored by the app (configured or per-run)</div> : null}
              </td>
              <td>
                <code>{token.prefix}</code>
              </td>
              <td>{token.scopes.join(", ")}</td>
              <td data-restrictions>
                {token.restrictions ? (
                  token.restrictions.map((pattern) => (
                    <div key={pattern}>
                      <code>{pattern}</code>
                    </div>
                  ))
                ) : (
                  <span className="muted">all</span>
                )}
              </td>
              <td title={isoUtc(token.createdAt)}>{relativeTime(token.createdAt, now)}</td>
              <td title={token.lastUsedAt ? isoUtc(token.lastUsedAt) : undefined}>
                {token.lastUsedAt ? relativeTime(token.lastUsedAt, now) : "never"}
              </td>
              <td>
                {token.revokedAt ? (
                  <span className="badge bad" title={isoUtc(token.revokedAt)}>
                    revoked {relativeTime(token.revokedAt, now)}
                  </span>
                ) : (
                  <span className="badge ok">live</span>
                )}
              </td>
              <td>
                {token.revokedAt ? null : (
                  <ConfirmButton
                    label="Revoke"
                    question={`Revoke ${token.prefix}? Whatever uses it is refused from now on; this cannot be undone.`}
                    confirmLabel="Revoke"
                    pendingText="Revoking…"
                    run={() => revokeToken({ tokenId: token.id })}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
