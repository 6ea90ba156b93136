import type { ReactNode } from "react";

interface ServiceFormPanelProps {
  label: string;
  id: string;
  heading: string;
  hasServices: boolean;
  children: ReactNode;
}

/** An admin form that sets something per service (its policy, its reload target), or a note while no service exists. */
export function ServiceFormPanel({ label, id, heading, hasServices, children }: ServiceFormPanelProps) {
  const none = (
    <div className="empty">No service has reported yet: services appear once they send their first event.</div>
  );
  return (
    <section className="panel" aria-label={label} id={id}>
      <h2>{heading}</h2>
      {hasServices ? children : none}
    </section>
  );
}
