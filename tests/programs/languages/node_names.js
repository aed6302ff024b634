// A node script for tests/e2e/languages_test.cc: `node --perf-basic-prof
// node_names.js SECONDS`. V8 compiles fib and hotLoop and lists them in
// /tmp/perf-<pid>.map; the profile must name them from it.
'use strict';

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function hotLoop(seconds) {
  const end = process.cpuUsage().user + seconds * 1e6;
  let sum = 0;
  while (process.cpuUsage().user < end) sum += fib(22);
  return sum;
}

console.log(`pid ${process.pid} sum ${hotLoop(Number(process.argv[2] || 1))}`);
