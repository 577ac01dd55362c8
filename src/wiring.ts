/**
 * Imports every module that registers a runtime factory (see runtime.ts), so that `runtime()` can build
 * each port's adapter on first use. Add one import per adapter module.
 */
import "./platform/index";
import "./mapping/runtime";
import "./amazon/index";
import "./d365/index";
import "./flows/orders/status";
import "./flows/settlements/status";
