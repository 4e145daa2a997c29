// Entry point: define the card, and offer it in HA's card picker, "By card" and "By entity".
import { CAMERA_MODEL, CARD_TYPE, GRID_CARD_TYPE } from "./card";
import { defineElements } from "./elements";
import type { HomeAssistant } from "./types";

interface CustomCardEntry {
  type: string;
  name: string;
  description: string;
  preview?: boolean;
  documentationURL?: string;
  getEntitySuggestion?(hass: HomeAssistant, entityId: string): { config: Record<string, unknown> } | null;
}

const DOCUMENTATION = "https://github.com/heldar-nvr/heldar-ha#the-timeline-card";

/** HA's "By entity" picker asks every card about the chosen entity: a Heldar camera's gets this card. */
export function entitySuggestion(hass: HomeAssistant, entityId: string): { config: Record<string, unknown> } | null {
  const entry = hass.entities?.[entityId];
  const device = entry?.device_id ? hass.devices?.[entry.device_id] : undefined;
  if (entry?.platform !== "heldar" || !device || device.model !== CAMERA_MODEL) return null;
  return { config: { type: `custom:${CARD_TYPE}`, cameras: [device.id] } };
}

function register(): void {
  const defined = defineElements();
  const registry = window as unknown as { customCards?: CustomCardEntry[] };
  registry.customCards ??= [];
  if (defined && !registry.customCards.some((card) => card.type === CARD_TYPE)) {
    registry.customCards.push({
      type: CARD_TYPE,
      name: "Heldar timeline",
      description:
        "Review Heldar recordings on a timeline, continuous footage and events alike: play by click, " +
        "drag or previous/next event, trigger, download a range and share an event.",
      preview: true,
      documentationURL: DOCUMENTATION,
      getEntitySuggestion: entitySuggestion,
    });
  }
  if (defined && !registry.customCards.some((card) => card.type === GRID_CARD_TYPE)) {
    registry.customCards.push({
      type: GRID_CARD_TYPE,
      name: "Heldar camera grid",
      description:
        "Up to 9 Heldar cameras side by side on one shared timeline: live, or played together at one instant, " +
        "with each camera's footage, gaps and events in its own colour.",
      preview: true,
      documentationURL: `${DOCUMENTATION.split("#")[0]}#the-camera-grid`,
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
