/**
 * The files of the Power Platform custom connector in `connector/` (the layout `paconn create` and the maker
 * portal import): apiDefinition.swagger.json is the app's Swagger document with a placeholder host, which the
 * maker replaces with the function app's; apiProperties.json names the brand colour and the one connection
 * parameter, the function key, that Power Automate asks for when a maker creates a connection.
 * `scripts/connector.ts` writes them; a test keeps them equal to what `GET /api/openapi.json` serves.
 */
import type { DescribedRoute } from "./routes";
import { SECURITY_NAME, type SwaggerDocument, buildSwagger } from "./swagger";

/** The host in the committed definition: replace it with your function app's (docs/power-automate.md). */
export const PLACEHOLDER_HOST = "your-function-app.azurewebsites.net";

/** The icon's background and the connector's colour (not #007ee5, the default, nor white). */
export const ICON_BRAND_COLOR = "#1f5f7a";

export function connectorDefinition(routes: readonly DescribedRoute[], host = PLACEHOLDER_HOST): SwaggerDocument {
  return buildSwagger(routes, { host, scheme: "https" });
}

export function connectorProperties(): Record<string, unknown> {
  return {
    properties: {
      connectionParameters: {
        [SECURITY_NAME]: {
          type: "securestring",
          uiDefinition: {
            displayName: "Function key",
            description: "A function key of the D365 Amazon Connect function app",
            tooltip: "Azure portal: your function app > App keys > default (or a key made for Power Automate)",
            constraints: { tabIndex: 2, clearText: false, required: "true" },
          },
        },
      },
      iconBrandColor: ICON_BRAND_COLOR,
      capabilities: [],
      publisher: "d365-amazon-connect",
      stackOwner: "d365-amazon-connect",
    },
  };
}
