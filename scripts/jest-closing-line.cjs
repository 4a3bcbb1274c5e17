// Prints one plain line at the end of the run, "jest: N passed, N failed[, N skipped]", beside
// Jest's own summary, so tools that look for a closing count line find one.
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`
    process.stderr.write(`${line}\n`)
  }
}
module.exports = ClosingLineReporter
