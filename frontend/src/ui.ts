// Small helpers every part of the card draws with.
import { html, type TemplateResult } from "lit";
import { type View, fractionOf, viewStart } from "./model";

export const iso = (t: number): string => new Date(t).toISOString();

/** An HA icon where the frontend has them, a plain character elsewhere (unit tests, very old frontends). */
export const icon = (name: string, fallback: string): TemplateResult =>
  customElements.get("ha-icon") ? html`<ha-icon .icon=${name}></ha-icon>` : html`${fallback}`;

/** A fraction as a CSS percentage. */
export const pct = (fraction: number): string => `${(fraction * 100).toFixed(3)}%`;

/** Where instants and ranges sit across a view (CSS percentages, clipped to it), and which show. */
export function placer(view: View): {
  left: (t: number) => string;
  width: (start: number, end: number) => string;
  visible: (start: number, end: number) => boolean;
} {
  const start = viewStart(view);
  return {
    left: (t) => pct(Math.max(0, fractionOf(t, view))),
    width: (a, b) => pct(Math.min(1, fractionOf(b, view)) - Math.max(0, fractionOf(a, view))),
    visible: (a, b) => b >= start && a <= view.end,
  };
}

/** What went wrong, from an Error, a websocket error ({code, message}) or anything else. */
export function errorText(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) return String(err.message);
  return String(err);
}

/** Fire a composed, bubbling CustomEvent from an element. */
export function fire<T>(from: EventTarget, type: string, detail: T): void {
  from.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
}
