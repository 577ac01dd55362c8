import { describe, expect, it } from "vitest";
import { SETTING_NAMES } from "../../../src/wiring/config";
import { SECRET_NAMES } from "../../../src/platform/secrets";
import { docCommentsOf, secretsMarkdownTable, settingsDocs, settingsMarkdownTable } from "../../../src/wiring/settings-doc";

describe("The settings reference", () => {
  it("describes every setting from its doc comment in the settings files", () => {
    const docs = settingsDocs();
    expect(docs.map((d) => d.name)).toEqual([...SETTING_NAMES]);
    const undocumented = docs.filter((d) => d.description.length < 10).map((d) => d.name);
    expect(undocumented).toEqual([]);
    for (const d of docs) expect(d.file, d.name).toMatch(/^src\/.+\/settings\.ts$/);
  });

  it("lists every setting in the markdown table with its default", () => {
    const table = settingsMarkdownTable();
    const lines = table.split("\n");
    expect(lines[0]).toBe("| setting | default | description |");
    expect(lines).toHaveLength(SETTING_NAMES.length + 2);
    for (const name of SETTING_NAMES) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toContain("| `QUEUE_ORDER_IMPORT` | `order-import` | Queue of order imports");
    expect(table).toContain("| `KEY_VAULT_URI` | _(empty)_ |");
    expect(table).toContain("`ATVPDKIKX0DER,A1F83G8C2ARO7P,A1PA6795UKMFR9`");
  });

  it("lists the Key Vault secrets with their local environment variables", () => {
    const table = secretsMarkdownTable();
    for (const s of SECRET_NAMES) expect(table).toContain(`| \`${s}\` | \`${s.toUpperCase().replace(/-/g, "_")}\` |`);
  });

  it("reads multi-line doc comments and ignores comments on other declarations", () => {
    const src = [
      "/** The file's comment. */",
      'import { setting } from "x";',
      "/** Not a setting. */",
      "export const A_CONST = 1;",
      "export const s = {",
      "  /**",
      "   * First line",
      "   * second line.",
      "   */",
      '  SOME_SETTING: setting.string("a"),',
      "  /** One | pipe. */",
      "  OTHER: setting.int(1),",
      "};",
    ].join("\n");
    const docs = docCommentsOf(src);
    expect([...docs.keys()]).toEqual(["SOME_SETTING", "OTHER"]);
    expect(docs.get("SOME_SETTING")).toBe("First line second line.");
  });
});
