// The card's words: Home Assistant's own where it has them, Heldar's backend translations
// (loaded once per page) where they exist, and English as the last resort.
import type { HomeAssistant, Localize } from "./types";

const HELDAR = "component.heldar.selector";

/** English for the keys below, when no translation is loaded (unit tests, old frontends). */
const ENGLISH: Record<string, string> = {
  "ui.card.camera.not_available": "Image not available",
  [`${HELDAR}.trigger_result.options.started`]: "started an event recording",
  [`${HELDAR}.trigger_result.options.extended`]: "extended its event recording",
  [`${HELDAR}.trigger_result.options.unchanged`]: "trigger ignored: the event recording already runs longer",
  [`${HELDAR}.trigger_result.options.already_continuous`]: "already recording continuously",
  [`${HELDAR}.trigger_result.options.schedule_only`]: "records on its schedule only, so the trigger was ignored",
  [`${HELDAR}.trigger_result.options.recording_disabled`]: "not recording: its Recording enabled switch is off",
  [`${HELDAR}.card_text.options.cameras`]: "Cameras (none chosen: every Heldar camera)",
  [`${HELDAR}.card_text.options.hours`]: "Hours the timeline shows when it opens",
  [`${HELDAR}.card_text.options.hours_helper`]: "1 to 168; 3 shows the last hour readably on a phone",
  [`${HELDAR}.card_text.options.until`]: "until {time}",
  [`${HELDAR}.card_text.options.layout`]: "Layout",
  [`${HELDAR}.card_text.options.layout_helper`]: "Grid: up to 9 cameras side by side, played together on one timeline",
  [`${HELDAR}.card_text.options.no_footage`]: "No footage at this time",
  [`${HELDAR}.card_text.options.no_recording_after`]: "No recording after this point.",
  [`${HELDAR}.card_text.options.grid_limit`]: "The grid shows the first {count} cameras.",
  [`${HELDAR}.card_text.options.previous_activity`]: "Previous activity",
  [`${HELDAR}.card_text.options.next_activity`]: "Next activity",
  [`${HELDAR}.card_text.options.no_earlier_activity`]: "No earlier activity.",
  [`${HELDAR}.card_text.options.no_later_activity`]: "No later activity.",
  [`${HELDAR}.card_text.options.skip_idle`]: "Skip idle",
  [`${HELDAR}.card_text.options.skip_idle_helper`]:
    "While a recording plays, go on at the next activity 2 s after each one ends",
};

const loaded = new WeakSet<object>();

/** Load Heldar's backend texts once for this page's `hass` (they then reach hass.localize). */
export function loadTexts(hass: HomeAssistant): void {
  const connection = hass.connection as object;
  if (!hass.loadBackendTranslation || loaded.has(connection)) return;
  loaded.add(connection);
  hass.loadBackendTranslation("selector", "heldar").catch(() => loaded.delete(connection));
}

/** A translated text; English when neither HA nor Heldar's translations have it. */
export function text(localize: Localize | undefined, key: string, values?: Record<string, string>): string {
  const found = localize?.(key, values);
  if (found) return found;
  let english = ENGLISH[key] ?? key;
  for (const [name, value] of Object.entries(values ?? {})) english = english.replace(`{${name}}`, value);
  return english;
}

export const TRIGGER_RESULT = `${HELDAR}.trigger_result.options.`;
export const CARD_TEXT = `${HELDAR}.card_text.options.`;
export const NOT_AVAILABLE = "ui.card.camera.not_available";
