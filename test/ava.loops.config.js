// The decision loops alone (scripts/test.sh runs them after every other suite): their bounds are
// wall time from a flood's first request, so they must not share the two cores with other tests.
export default { files: ['dist/decision-loop.test.js'], timeout: '60s', workerThreads: false };
