import type { TestProject } from "vitest/node";
import { createTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase | undefined;

export async function setup(project: TestProject) {
  database = await createTestDatabase("it");
  project.provide("databaseUrl", database.url);
  project.provide("embedded", database.embedded);
}

export async function teardown() {
  await database?.drop();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    embedded: boolean;
  }
}
