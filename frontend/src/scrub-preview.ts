// Scrub previews: while the pointer hovers or drags along the bar, a still of that instant floats
// above it. Each footage segment has one preview sheet on the server (a JPEG of keyframe tiles, one
// per `step` seconds, `columns` a row); `heldar/previews` lists a range's sheets with links signed
// for this login. Sheets are listed an hour at a time (those of a short view as soon as it shows)
// and their images kept, so moving along the bar shows the tile nearest the pointer's instant
// without asking the server again.
//
// The bar tells where the pointer is with `heldar-hover` {t, x} (t null: it left); this element
// fires `heldar-preview-shown` {t, url, tile, at} once a tile is on screen (the browser test and
// the benchmark time hover to picture with it).
import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { type Clock, formatClock } from "./time";
import type { HomeAssistant } from "./types";
import { fire, iso } from "./ui";

/** heldar/previews's answer. */
export interface PreviewsAnswer {
  step: number;
  columns: number;
  tile_width: number;
  sheets: { start: string; end: string; tiles: number; url: string }[];
}

/** One segment's sheet, on the wall clock (epoch ms). */
export interface Sheet {
  start: number;
  end: number;
  tiles: number;
  url: string;
  step: number;
  columns: number;
}

/** Where an instant's still is: the sheet, and the tile's column and row on it. */
export interface TileSpot {
  sheet: Sheet;
  tile: number;
  column: number;
  row: number;
  rows: number;
}

export interface HoverDetail {
  /** The instant under the pointer (epoch ms), or null when it left the bar. */
  t: number | null;
  /** The pointer's clientX. */
  x: number;
}

/** Sheets are listed for an hour at a time. */
export const BLOCK_MS = 3_600_000;
/** A listed hour is asked again after this long if it was not over yet when listed (new footage). */
const OPEN_BLOCK_MS = 30_000;
/** A listing is dropped before its links (signed for 24 h) run out. */
const LISTING_MS = 6 * BLOCK_MS;
/** How many hours of listings, and how many sheet images, are kept. */
const KEPT_BLOCKS = 48;
const KEPT_IMAGES = 120;
/** About how wide the preview is while it shows only the time (px). */
const LABEL_PX = 80;
/** Views up to this long are listed as soon as they show. */
const PREFETCH_MS = 3 * BLOCK_MS;

/** The tile of `sheet` nearest instant t: tile k shows the keyframe at or before k × step. */
export function tileAt(sheet: Sheet, t: number): TileSpot {
  const tile = Math.min(Math.max(Math.round((t - sheet.start) / (sheet.step * 1000)), 0), sheet.tiles - 1);
  return {
    sheet,
    tile,
    column: tile % sheet.columns,
    row: Math.floor(tile / sheet.columns),
    rows: Math.ceil(sheet.tiles / sheet.columns),
  };
}

/** The sheet covering t (the latest to start, when two overlap), from sheets in start order. */
export function sheetAt(sheets: Sheet[], t: number): Sheet | null {
  let found: Sheet | null = null;
  for (const sheet of sheets) {
    if (sheet.start > t) break;
    if (t < sheet.end) found = sheet;
  }
  return found;
}

type Lister = (start: number, end: number) => Promise<PreviewsAnswer>;

/** One hour's listing: when it was asked, whether the hour was still going on, its sheets. */
interface Listing {
  at: number;
  open: boolean;
  sheets: Promise<Sheet[]>;
  /** The sheets, once they came. */
  settled?: Sheet[];
}

/** The sheets listed so far, an hour at a time, each hour asked once (again if it was still open). */
export class SheetListings {
  private readonly _blocks = new Map<number, Listing>();

  constructor(
    private readonly _list: Lister,
    private readonly _now: () => number = Date.now,
  ) {}

  /** The sheets of t's hour, if they are listed already (no waiting). */
  known(t: number): Sheet[] | null {
    const block = this._blocks.get(Math.floor(t / BLOCK_MS));
    return block && this._fresh(block) ? (block.settled ?? null) : null;
  }

  /**
   * The sheet covering t, listing its hour first if need be; null where there is no footage.
   * An hour listed while it was going on answers at once from that listing (its links still
   * work) while it is asked again for the footage filed since.
   */
  async find(t: number): Promise<Sheet | null> {
    const number = Math.floor(t / BLOCK_MS);
    const kept = this._blocks.get(number);
    const sheets = this._block(number);
    const usable = kept?.settled && this._now() - kept.at < LISTING_MS ? sheetAt(kept.settled, t) : null;
    return usable ?? sheetAt(await sheets, t);
  }

  /** List the hours from start to end never listed yet, ahead of the first hover there. */
  prefetch(start: number, end: number): void {
    if (end - start > PREFETCH_MS) return; // a week's view is 168 hours: listed as hovered
    for (let number = Math.floor(start / BLOCK_MS); number * BLOCK_MS < end; number += 1) {
      if (!this._blocks.has(number)) void this._block(number);
    }
  }

  private _fresh(block: Listing): boolean {
    const age = this._now() - block.at;
    return age < (block.open ? OPEN_BLOCK_MS : LISTING_MS);
  }

  private _block(number: number): Promise<Sheet[]> {
    const kept = this._blocks.get(number);
    if (kept && this._fresh(kept)) return kept.sheets;
    const start = number * BLOCK_MS;
    const at = this._now();
    const entry: Listing = {
      at,
      open: start + BLOCK_MS > at,
      sheets: this._list(start, start + BLOCK_MS).then(
        (answer) => (entry.settled = sheetsOf(answer)),
        () => {
          this._blocks.delete(number); // asked again at the next hover
          return [];
        },
      ),
    };
    this._blocks.delete(number);
    this._blocks.set(number, entry);
    while (this._blocks.size > KEPT_BLOCKS) this._blocks.delete(this._blocks.keys().next().value as number);
    return entry.sheets;
  }
}

function sheetsOf(answer: PreviewsAnswer): Sheet[] {
  return answer.sheets
    .map((s) => ({
      start: Date.parse(s.start),
      end: Date.parse(s.end),
      tiles: s.tiles,
      url: s.url,
      step: answer.step,
      columns: answer.columns,
    }))
    .sort((a, b) => a.start - b.start);
}

/** Sheet images by URL, loaded once and kept (the most recently used ones). */
export class SheetImages {
  private readonly _images = new Map<string, Promise<HTMLImageElement>>();

  constructor(private readonly _make: () => HTMLImageElement = () => new Image()) {}

  /** The loaded image of a sheet (loading it the first time). */
  load(url: string): Promise<HTMLImageElement> {
    const kept = this._images.get(url);
    if (kept) {
      this._images.delete(url);
      this._images.set(url, kept);
      return kept;
    }
    const image = this._make();
    const loaded = new Promise<HTMLImageElement>((resolve, reject) => {
      image.onload = () => resolve(image);
      image.onerror = () => {
        this._images.delete(url);
        reject(new Error(`No preview at ${url}`));
      };
    });
    image.src = url;
    this._images.set(url, loaded);
    if (this._images.size > KEPT_IMAGES) this._images.delete(this._images.keys().next().value as string);
    return loaded;
  }

  /** Whether a sheet's image is loaded already. */
  has(url: string): boolean {
    return this._images.has(url);
  }
}

interface Shown {
  t: number;
  x: number;
  spot: TileSpot | null;
  image: HTMLImageElement | null;
}

export class HeldarScrubPreview extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
      height: 0;
      z-index: 2;
      pointer-events: none;
    }
    .preview {
      position: absolute;
      bottom: 4px;
      transform: translateX(-50%);
      background: var(--card-background-color, #fff);
      color: var(--primary-text-color, #212121);
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      border-radius: var(--ha-card-border-radius, 8px);
      box-shadow: var(--ha-card-box-shadow, 0 2px 6px rgba(0, 0, 0, 0.3));
      overflow: hidden;
      font-size: 12px;
      text-align: center;
    }
    .tile {
      position: relative;
      overflow: hidden;
      background: var(--secondary-background-color, #e5e5e5);
    }
    .tile img {
      position: absolute;
      left: 0;
      top: 0;
      max-width: none;
    }
    .time {
      padding: 2px 6px;
      font-variant-numeric: tabular-nums;
    }
  `;

  static override properties = {
    hass: { attribute: false },
    camera: { attribute: false },
    clock: { attribute: false },
    _shown: { state: true },
  };

  hass?: HomeAssistant;
  camera = "";
  clock: Clock = { timeZone: "UTC", locale: "en" };

  private _shown: Shown | null = null;
  private _listings: SheetListings | null = null;
  private _listingsOf = "";
  /** The sheet images kept for this panel. */
  images = new SheetImages();

  /** The sheets listed for this element's camera (a new camera starts afresh). */
  get listings(): SheetListings {
    if (!this._listings || this._listingsOf !== this.camera) {
      this._listingsOf = this.camera;
      this._listings = new SheetListings((start, end) => {
        if (!this.hass) return Promise.reject(new Error("Not connected to Home Assistant."));
        return this.hass.callWS<PreviewsAnswer>({ type: "heldar/previews", camera: this.camera, start: iso(start), end: iso(end) });
      });
    }
    return this._listings;
  }

  /** List the sheets of the bar's view ahead of the first hover (a short view only). */
  prefetch(view: { start: number; end: number }): void {
    if (this.hass && this.camera) this.listings.prefetch(view.start, view.end);
  }

  /** Follow the pointer: show the still of instant t above x, or hide (t null). */
  hover(detail: HoverDetail): void {
    const { t, x } = detail;
    if (t === null) {
      this._shown = null;
      return;
    }
    const previous = this._shown;
    // Until the new tile is ready, the last one stays (with the new time), as a video scrubber does.
    this._shown = { t, x, spot: previous?.spot ?? null, image: previous?.image ?? null };
    void this._seek(t);
  }

  private async _seek(t: number): Promise<void> {
    const sheet = await this.listings.find(t);
    if (this._shown?.t !== t) return; // the pointer moved on meanwhile
    if (!sheet) {
      this._shown = { ...this._shown, spot: null, image: null };
      return;
    }
    let image: HTMLImageElement;
    try {
      image = await this.images.load(sheet.url);
    } catch {
      return; // no preview there (yet): only the time shows
    }
    if (this._shown?.t !== t) return;
    this._shown = { ...this._shown, spot: tileAt(sheet, t), image };
    await this.updateComplete;
    requestAnimationFrame(() => {
      if (this._shown?.t !== t) return;
      const spot = this._shown.spot;
      fire(this, "heldar-preview-shown", { t, url: sheet.url, tile: spot?.tile ?? 0, at: performance.now() });
    });
  }

  private _renderTile(spot: TileSpot, image: HTMLImageElement): TemplateResult {
    const width = image.naturalWidth / spot.sheet.columns;
    const height = image.naturalHeight / spot.rows;
    return html`<div class="tile" style="width:${width}px;height:${height}px">
      <img
        alt=""
        src=${spot.sheet.url}
        data-tile=${spot.tile}
        data-sheet-start=${iso(spot.sheet.start)}
        style="transform:translate(${-spot.column * width}px, ${-spot.row * height}px)"
      />
    </div>`;
  }

  protected override render(): TemplateResult | typeof nothing {
    const shown = this._shown;
    if (!shown) return nothing;
    // Centred on the pointer, but never past the card's edges (a phone's screen is the card).
    const box = this.getBoundingClientRect();
    const width = shown.spot && shown.image ? shown.image.naturalWidth / shown.spot.sheet.columns : LABEL_PX;
    const half = width / 2 + 1;
    const left = Math.min(Math.max(shown.x - box.left, half), Math.max(half, box.width - half));
    return html`<div class="preview" data-time=${iso(shown.t)} style="left:${left}px">
      ${shown.spot && shown.image ? this._renderTile(shown.spot, shown.image) : nothing}
      <div class="time">${formatClock(shown.t, this.clock)}</div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-scrub-preview": HeldarScrubPreview;
  }
  interface HTMLElementEventMap {
    "heldar-hover": CustomEvent<HoverDetail>;
    "heldar-preview-shown": CustomEvent<{ t: number; url: string; tile: number; at: number }>;
  }
}
