-- The services the demo fleet created (issue 12, finding 12). With DEMO_FLEET=1 on a real
-- database, the simulated reload endpoint is attached only to these, never to a real service
-- that happens to have no target (or a demo service's name).
CREATE TABLE "demo_service" (
    "service_id" INTEGER NOT NULL,
    CONSTRAINT "demo_service_pkey" PRIMARY KEY ("service_id"),
    CONSTRAINT "demo_service_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE
);

-- A database seeded before this table existed: its demo services are the ones the demo
-- pointed at its simulated endpoint.
INSERT INTO "demo_service" ("service_id")
SELECT "service_id" FROM "reload_target" WHERE "url" LIKE '%/api/demo/reload-target';
