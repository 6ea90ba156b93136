// The fault test's dispatch rounds need approved requests, a reload target and queued jobs,
// written with the app's own code (sealSecret, changeHash, enqueueJob), which imports
// server-only modules: so this runs as a child, `tsx --conditions=react-server`, against
// DATABASE_URL (the fault test's database) and with the app's SECRETS_KEY. Prints JSON.
//   seed <instance,instance,…> <resource>:<all|canary> ...
//                                       users and one approved request per resource over the
//                                       instances (the canary: the first)
//   target <url>                        the service's reload target (secret: TARGET_SECRET)
//   enqueue <requestId>                 the request's dispatch job
import { disconnectDb, transaction } from "@/lib/db/client";
import { enqueueJob } from "@/lib/jobs/queue";
import { approvedRequest, seedUsers, setTarget, TARGET_SECRET } from "../support/dispatch-fixtures";

async function main(): Promise<unknown> {
  const [command, ...args] = process.argv.slice(2);
  if (command === "seed") {
    const users = await seedUsers();
    const instances = args.shift()!.split(",");
    const requests = [];
    for (const spec of args) {
      const [resource, mode] = spec.split(":") as [string, string];
      const canary = mode === "canary" ? [instances[0]!] : [];
      requests.push({
        resource,
        ...(await approvedRequest(users, { targets: instances, canary, from: "v1", to: "v2", resource })),
      });
    }
    return { secret: TARGET_SECRET, requests };
  }
  if (command === "target") {
    await setTarget(args[0]!);
    return { target: args[0] };
  }
  if (command === "enqueue") {
    await transaction((tx) => enqueueJob(tx, "dispatch", { requestId: args[0]! }));
    return { enqueued: args[0] };
  }
  throw new Error(`unknown command ${command}`);
}

main()
  .then(async (result) => {
    await disconnectDb();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  })
  .catch((error) => {
    console.error((error as Error).stack ?? String(error));
    process.exit(1);
  });
