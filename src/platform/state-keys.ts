/** Table Storage keys may not contain / \ # ? or control characters; external ids are encoded to be safe. */
export function safeKey(value: string): string {
  return value.replace(/[/\\#?%\u0000-\u001f\u007f-\u009f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`);
}
export function unsafeKey(value: string): string {
  return value.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
