import * as df from "durable-functions";
import { fetchReportStep, reportImportActivities, reportImportOrchestration } from "../flows/settlements/report-import";
import { registerActivities, registerOrchestration } from "../platform/durable";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp } from "../wiring/app";
import { settlementDeps, settlementStartOptions } from "../wiring/settlements";

// POST /api/settlements/import {reportId}: downloads and starts the report outside the HTTP call (SP-API quotas may wait).
registerOrchestration(reportImportOrchestration);

registerActivities(
  reportImportActivities,
  {
    fetch: (input, context) => {
      const a = currentApp();
      return fetchReportStep(input.reportId, durableStarter(df.getClient(context)), settlementDeps(a, context), settlementStartOptions(a));
    },
  },
  { fetch: [df.input.durableClient()] },
);
