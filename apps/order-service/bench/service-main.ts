// The order-service entry point, unchanged (`../src/main.ts` runs `main()` on import), started from here so the
// benchmark's children have a command line of their own: tooling that stops stray `src/main.ts` services by name
// must not stop them mid-measurement.
import '../src/main';
