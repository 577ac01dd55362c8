import { app } from "@azure/functions";
import { listSettlementRecords, publicRecord } from "../flows/settlements/records";
import { withHttpErrors } from "../platform/trigger-adapters";
import { runtime } from "../runtime";

// Known settlements and their state, newest first.
app.http("settlement-list", {
  methods: ["GET"],
  route: "settlements",
  authLevel: "function",
  handler: withHttpErrors(async () => {
    const records = await listSettlementRecords(runtime().state);
    return { jsonBody: { settlements: records.map(publicRecord) } };
  }),
});
