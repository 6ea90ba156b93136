#!/usr/bin/env node
// reloadscope: wait for a reload, send reload events, print the fleet's drift (README "CLI").
// Plain Node 20 ESM with no dependencies, so `npx reloadscope` runs from the installed package.
import { main } from "./cli/main.mjs";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
});
// Let the streams drain before the exit code is set; process.exit could cut a piped stdout short.
process.exitCode = code;
