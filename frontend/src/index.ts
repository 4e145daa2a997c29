// Entry point: define the card and its editor, and offer the card in HA's card picker.
import { CARD_TYPE, HeldarTimelineCard } from "./card";
import { HeldarTimelineCardEditor } from "./editor";

interface CustomCardEntry {
  type: string;
  name: string;
  description: string;
  preview?: boolean;
  documentationURL?: string;
}

if (!customElements.get(CARD_TYPE)) customElements.define(CARD_TYPE, HeldarTimelineCard);
if (!customElements.get(`${CARD_TYPE}-editor`)) customElements.define(`${CARD_TYPE}-editor`, HeldarTimelineCardEditor);

const registry = window as unknown as { customCards?: CustomCardEntry[] };
registry.customCards ??= [];
if (!registry.customCards.some((card) => card.type === CARD_TYPE)) {
  registry.customCards.push({
    type: CARD_TYPE,
    name: "Heldar timeline",
    description: "Review Heldar recordings on a timeline: scrub, play on across segments, download a range.",
    preview: false,
  });
}
