// Every element of the card, defined in the page's registry: the parts first, so the panels that
// draw them find them defined.
import { HeldarCameraGrid } from "./camera-grid";
import { HeldarCameraHead } from "./camera-head";
import { HeldarCameraTimeline } from "./camera-timeline";
import { CARD_TYPE, GRID_CARD_TYPE, HeldarGridCard, HeldarTimelineCard } from "./card";
import { HeldarEventShare } from "./event-share";
import { HeldarEventStrip } from "./event-strip";
import { HeldarLivePicture } from "./live-picture";
import { HeldarScrubPreview } from "./scrub-preview";
import { HeldarTimelineBar } from "./timeline-bar";

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

/** Define the elements; whether the card itself is defined (the grid card is the same card). */
export function defineElements(): boolean {
  define("heldar-event-share", HeldarEventShare);
  define("heldar-event-strip", HeldarEventStrip);
  define("heldar-timeline-bar", HeldarTimelineBar);
  define("heldar-camera-head", HeldarCameraHead);
  define("heldar-live-picture", HeldarLivePicture);
  define("heldar-scrub-preview", HeldarScrubPreview);
  define("heldar-camera-timeline", HeldarCameraTimeline);
  define("heldar-camera-grid", HeldarCameraGrid);
  const defined = define(CARD_TYPE, HeldarTimelineCard);
  define(GRID_CARD_TYPE, HeldarGridCard);
  return defined;
}
