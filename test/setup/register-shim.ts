/**
 * Runs in every vitest worker before any test file: installs the @azure/functions-core stand-in so that
 * `@azure/functions` (loaded later, through Node's require as an externalized dependency) registers functions
 * into the local registry instead of entering its "test mode".
 */
import { installFunctionsCoreShim } from "../../src/local/registry";

installFunctionsCoreShim();
