import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { describeRoute, describedRoutes } from "../platform/api-docs/routes";
import { buildSwagger } from "../platform/api-docs/swagger";

/** The app's HTTP API as Swagger 2.0, for a Power Automate custom connector; `host` is this app's own address. */
export async function openApi(request: HttpRequest): Promise<HttpResponseInit> {
  const url = new URL(request.url);
  const scheme = url.protocol === "http:" ? "http" : "https";
  return { status: 200, jsonBody: buildSwagger(describedRoutes(), { host: url.host, scheme }) };
}

app.http("openapi", {
  methods: ["GET"],
  route: "openapi.json",
  authLevel: "function",
  handler: openApi,
});
describeRoute("openapi", {
  method: "GET",
  route: "openapi.json",
  operationId: "GetOpenApiDocument",
  summary: "Get the API description",
  description: "The Swagger 2.0 document of every HTTP function, for a Power Platform custom connector (docs/power-automate.md).",
  visibility: "internal",
  tag: "Operations",
  responses: {
    200: {
      description: "The Swagger 2.0 document",
      schema: z.object({ swagger: z.literal("2.0") }).loose(),
      example: { swagger: "2.0", info: { title: "D365 Amazon Connect", version: "1.0.0" }, paths: {} },
    },
  },
});
