// Entry point: define the card and its editor, and offer the card in HA's card picker.
import { HeldarCameraTimeline } from "./camera-timeline";
import { CARD_TYPE, HeldarTimelineCard } from "./card";
import { HeldarTimelineCardEditor } from "./editor";

interface CustomCardEntry {
  type: string;
  name: string;
  description: string;
  preview?: boolean;
  documentationURL?: string;
}

function define(tag: string, element: CustomElementConstructor): boolean {
  if (customElements.get(tag)) return true;
  try {
    customElements.define(tag, element);
    return true;
  } catch (err) {
    // Say why in the browser console; HA then shows its own "custom element doesn't exist" card.
    console.error(`Heldar: could not define <${tag}>`, err);
    return false;
  }
}

function register(): void {
  define("heldar-camera-timeline", HeldarCameraTimeline);
  const defined = define(CARD_TYPE, HeldarTimelineCard);
  define(`${CARD_TYPE}-editor`, HeldarTimelineCardEditor);
  const registry = window as unknown as { customCards?: CustomCardEntry[] };
  registry.customCards ??= [];
  if (defined && !registry.customCards.some((card) => card.type === CARD_TYPE)) {
    registry.customCards.push({
      type: CARD_TYPE,
      name: "Heldar timeline",
      description: "Review Heldar recordings on a timeline: scrub, play on across segments, download a range.",
      preview: false,
    });
  }
}

register();

// HA loads this module early, beside its own app, which then installs a scoped custom-element
// registry polyfill that *replaces* window.customElements. When this module ran first, its
// elements live only in the replaced registry and the dashboard would not find the card: define
// them again in the new registry as soon as it appears.
const loadedWith = window.customElements;
const watch = window.setInterval(() => {
  if (window.customElements === loadedWith) return;
  window.clearInterval(watch);
  register();
}, 50);
window.setTimeout(() => window.clearInterval(watch), 120_000);
