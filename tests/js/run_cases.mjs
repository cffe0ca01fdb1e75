// Run a file's cases (name -> function, sync or async) and print {name: null | the failure} as JSON, for the
// Python test that runs the file under Node (tests/signalling/test_the_browser_core_under_node.py and its like).

export async function runCases(cases) {
  const results = {};
  for (const [name, run] of Object.entries(cases)) {
    try {
      await run();
      results[name] = null;
    } catch (error) {
      results[name] = String((error && error.stack) || error);
    }
  }
  process.stdout.write(JSON.stringify(results));
}
