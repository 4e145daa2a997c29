// The grid: up to nine cameras side by side on one shared timeline bar (a lane of footage and
// the events of each, in the camera's colour), one playhead, the videos kept at one wall-clock
// instant by `GridSync`. Each tile shows its camera live until the bar is clicked, then that
// instant of its recording, or black with a label where it has none. A tap (or Enter) on a tile
// shows it across the card; again, back to the grid.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import type { BarEvent, PlayDetail } from "./event-strip";
import { GridSync, MAX_GRID_CAMERAS, type SyncTile, type TileState, hasFootage, nextFootage } from "./grid-sync";
import { gridStyles } from "./grid-styles";
import { type Span, viewStart } from "./model";
import { PlaybackController } from "./playback";
import { CARD_TEXT, NOT_AVAILABLE, text } from "./strings";
import { controlStyles, panelStyles, screenStyles } from "./styles";
import type { BarLane } from "./timeline-bar";
import { type Clock, formatDateTime } from "./time";
import { TimelineSource } from "./timeline-source";
import type { CameraInfo, HomeAssistant, PlaylistAnswer } from "./types";
import { iso } from "./ui";

const RATES = [1, 2, 4] as const;
/** How often the shared clock moves on and the followers are brought to it. */
export const SYNC_TICK_MS = 50;
/** The playhead on the bar is drawn again at least this often while playing. */
const REDRAW_MS = 500;

/** A camera's colour on the bar, its tile and the legend: HA's theme colours, by its place in the grid. */
export const CAMERA_COLORS = [
  "var(--blue-color, #2196f3)",
  "var(--orange-color, #ff9800)",
  "var(--purple-color, #926bc7)",
  "var(--teal-color, #009688)",
  "var(--pink-color, #e91e63)",
  "var(--light-green-color, #8bc34a)",
  "var(--brown-color, #795548)",
  "var(--cyan-color, #00bcd4)",
  "var(--indigo-color, #3f51b5)",
] as const;

export function cameraColor(index: number): string {
  return CAMERA_COLORS[index % CAMERA_COLORS.length];
}

/** Columns for n tiles on a wide card: 1, 2 for up to four, 3 for up to nine. */
export function gridColumns(count: number): number {
  if (count <= 1) return 1;
  return count <= 4 ? 2 : 3;
}

/** The clock HA shows time with. */
function clockOf(hass: HomeAssistant | undefined, timeZone: string): Clock {
  const locale = hass?.locale;
  const hour12 = locale?.time_format === "12" ? true : locale?.time_format === "24" ? false : undefined;
  return { timeZone, locale: locale?.language ?? hass?.language ?? "en", hour12 };
}

/** One camera of the grid: its data and its playback. */
class GridCamera implements SyncTile {
  readonly source: TimelineSource;
  readonly player: PlaybackController;

  constructor(
    readonly info: CameraInfo,
    private readonly hass: () => HomeAssistant | undefined,
  ) {
    this.source = new TimelineSource(info.camera, hass);
    this.player = new PlaybackController({
      playlist: (from, end) => this.playlist(from, end),
      now: () => this.source.now,
    });
  }

  get id(): string {
    return this.info.camera;
  }

  spans(): Span[] {
    return this.source.data.spans;
  }

  recordingNow(): boolean {
    const state = this.info.entities.state;
    const recording = state ? this.hass()?.states[state]?.state === "recording" : false;
    return recording || this.source.data.events.some((event) => event.end === null);
  }

  private playlist(from: number, end: number | null): Promise<PlaylistAnswer> {
    const hass = this.hass();
    if (!hass) return Promise.reject(new Error("Not connected to Home Assistant."));
    return hass.callWS<PlaylistAnswer>({
      type: "heldar/playlist",
      camera: this.info.camera,
      start: iso(from),
      end: end === null ? null : iso(end),
    });
  }
}

export class HeldarCameraGrid extends LitElement {
  static override styles = [controlStyles, screenStyles, panelStyles, gridStyles];

  static override properties = {
    hass: { attribute: false },
    cameras: { attribute: false },
    timeZone: { attribute: false },
    hours: { type: Number },
    _now: { state: true },
    _large: { state: true },
    _message: { state: true },
  };

  hass?: HomeAssistant;
  cameras: CameraInfo[] = [];
  timeZone = "UTC";
  hours = 3;

  private _now = Date.now();
  /** The camera shown across the card, or null: the grid. */
  private _large: string | null = null;
  private _message = "";
  private _tiles: GridCamera[] = [];
  private _timer: number | undefined;
  private _ticker: number | undefined;
  private _drawn = 0;
  private readonly _sync = new GridSync(
    () => this._tiles,
    () => this._serverNow,
  );
  private readonly _update = () => this.requestUpdate();

  private get _serverNow(): number {
    return this._tiles[0]?.source.now ?? Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._timer = window.setInterval(() => (this._now = this._serverNow), 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this._timer);
    this.goLive();
    for (const tile of this._tiles) tile.source.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("cameras")) this._own(this.cameras.slice(0, MAX_GRID_CAMERAS));
    if (!this.hass || !this.isConnected) return;
    const shown = this.renderRoot.querySelector("heldar-timeline-bar")?.view;
    for (const tile of this._tiles) {
      if (tile.source.connected) continue;
      tile.source.connect();
      const now = this._serverNow;
      void tile.source.load(shown ?? { start: viewStart({ end: now, hours: this.hours }), end: now }, true);
    }
  }

  protected override updated(): void {
    for (const tile of this._tiles) {
      const video = this.renderRoot.querySelector<HTMLVideoElement>(`video[data-camera="${CSS.escape(tile.id)}"]`);
      if (video) tile.player.attach(video);
    }
  }

  /** Keep the tiles of cameras still shown, make those of new ones. */
  private _own(cameras: CameraInfo[]): void {
    const kept = new Map(this._tiles.map((tile) => [tile.id, tile]));
    const tiles = cameras.map((info) => kept.get(info.camera) ?? this._make(info));
    for (const tile of this._tiles) {
      if (tiles.includes(tile)) continue;
      tile.player.stop();
      tile.source.disconnect();
      tile.source.removeEventListener("change", this._update);
    }
    this._tiles = tiles;
  }

  private _make(info: CameraInfo): GridCamera {
    const tile = new GridCamera(info, () => this.hass);
    tile.source.addEventListener("change", this._update);
    // A past hour's playlist ran out: that camera goes on at the shared clock with the next.
    tile.player.addEventListener("chunk-end", (event) => {
      const t = this._sync.clock ?? (event as CustomEvent<number>).detail;
      void tile.player.playFrom(t, false);
    });
    return tile;
  }

  /** Play every camera from wall-clock instant t (the next footage of any, in a gap of all). */
  playFrom(t: number): void {
    const tiles = this._tiles;
    const now = this._serverNow;
    const covered = tiles.some((tile) => hasFootage(tile.spans(), t, tile.recordingNow(), now));
    const from = covered ? t : nextFootage(tiles, t);
    if (from === null) {
      this._message = text(this.hass?.localize, `${CARD_TEXT}no_recording_after`);
      return;
    }
    this._message = "";
    this._sync.start(from, performance.now());
    window.clearInterval(this._ticker);
    this._ticker = window.setInterval(() => this._tick(), SYNC_TICK_MS);
    this.requestUpdate();
  }

  /** Back to every camera's live picture. */
  goLive(): void {
    window.clearInterval(this._ticker);
    this._ticker = undefined;
    this._sync.stop();
    this.renderRoot.querySelector("heldar-timeline-bar")?.followNow();
    this.requestUpdate();
  }

  /** Each tile's wall-clock instant on screen (epoch ms), by camera; null where it has no footage. */
  instants(): Record<string, number | null> {
    return this._sync.instants();
  }

  /** The shared playhead, epoch ms; null while live. */
  get playhead(): number | null {
    return this._sync.clock;
  }

  private _tick(): void {
    const at = performance.now();
    if (this._sync.tick(at) || at - this._drawn >= REDRAW_MS) {
      this._drawn = at;
      this.requestUpdate();
    }
  }

  private _toggleLarge(camera: string): void {
    this._large = this._large === camera ? null : camera;
  }

  private _key(event: KeyboardEvent, camera: string): void {
    if (event.key === "Enter" || event.key === " ") this._toggleLarge(camera);
    else if (event.key === "Escape" && this._large) this._large = null;
    else return;
    event.preventDefault();
  }

  private _renderTile(tile: GridCamera, index: number): TemplateResult {
    const reviewing = this._sync.clock !== null;
    const state: TileState | undefined = this._sync.states.get(tile.id);
    const gap = reviewing && (state ?? "gap") === "gap";
    const entity = tile.info.entities.camera;
    const large = this._large === tile.id;
    const localize = this.hass?.localize;
    return html`<div
      class="tile ${large ? "large" : ""}"
      style="--tile-color:${cameraColor(index)}"
      data-camera=${tile.id}
      data-state=${reviewing ? (state ?? "gap") : "live"}
      role="button"
      tabindex="0"
      aria-expanded=${large ? "true" : "false"}
      aria-label=${tile.info.name}
      @click=${() => this._toggleLarge(tile.id)}
      @keydown=${(e: KeyboardEvent) => this._key(e, tile.id)}
    >
      <div class="screen">
        <video data-camera=${tile.id} ?hidden=${!reviewing || gap} muted playsinline></video>
        ${gap ? html`<div class="none no-footage" role="img">${text(localize, `${CARD_TEXT}no_footage`)}</div>` : nothing}
        ${entity
          ? html`<heldar-live-picture
              ?hidden=${reviewing}
              .hass=${this.hass}
              .entity=${entity}
              .active=${!reviewing}
            ></heldar-live-picture>`
          : reviewing
            ? nothing
            : html`<div class="none placeholder" role="img">${text(localize, NOT_AVAILABLE)}</div>`}
        <div class="tap"></div>
      </div>
      <div class="caption"><span class="swatch"></span><span class="name">${tile.info.name}</span></div>
    </div>`;
  }

  private _renderControls(): TemplateResult {
    const reviewing = this._sync.clock !== null;
    return html`<div class="bar">
      ${RATES.map(
        (rate) =>
          html`<button
            class="rate"
            aria-pressed=${this._sync.rate === rate ? "true" : "false"}
            @click=${() => {
              this._sync.setRate(rate);
              this.requestUpdate();
            }}
          >
            ${rate}×
          </button>`,
      )}
      <button class="live-button" aria-pressed=${reviewing ? "false" : "true"} @click=${() => this.goLive()}>Live</button>
      <span class="grow readout">${reviewing && this.playhead !== null ? formatDateTime(this.playhead, this._clock) : ""}</span>
    </div>`;
  }

  private get _clock(): Clock {
    return clockOf(this.hass, this.timeZone);
  }

  protected override render(): TemplateResult {
    const tiles = this._tiles;
    const lanes: BarLane[] = tiles.map((tile, index) => ({
      id: tile.id,
      spans: tile.spans(),
      activity: tile.source.data.activity,
      color: cameraColor(index),
      label: tile.info.name,
    }));
    const events: BarEvent[] = tiles
      .flatMap((tile, index) =>
        tile.source.data.events.map((event) => ({
          ...event,
          id: `${tile.id}/${event.id}`,
          reason: `${tile.info.name}: ${event.reason}`,
          color: cameraColor(index),
        })),
      )
      .sort((a, b) => a.start - b.start);
    const errors = tiles
      .map((tile) => [tile.info.name, tile.player.error || tile.source.error] as const)
      .filter(([, error]) => error);
    const more = this.cameras.length - MAX_GRID_CAMERAS;
    return html`<div class="tiles ${this._large ? "enlarged" : ""}" style="--columns:${gridColumns(tiles.length)}">
        ${tiles.map((tile, index) => this._renderTile(tile, index))}
      </div>
      <div class="legend">
        ${tiles.map(
          (tile, index) =>
            html`<span data-camera=${tile.id} style="--tile-color:${cameraColor(index)}"
              ><span class="swatch"></span>${tile.info.name}</span
            >`,
        )}
      </div>
      <heldar-timeline-bar
        .lanes=${lanes}
        .events=${events}
        .clock=${this._clock}
        .now=${this._now}
        .hours=${this.hours}
        .playhead=${this._sync.clock}
        .playing=${this._sync.clock !== null}
        @heldar-play=${(e: CustomEvent<PlayDetail>) => this.playFrom(e.detail.t)}
        @heldar-view=${(e: CustomEvent<Span>) => tiles.forEach((tile) => void tile.source.load(e.detail))}
      ></heldar-timeline-bar>
      ${this._renderControls()}
      ${more > 0
        ? html`<div class="message">${text(this.hass?.localize, `${CARD_TEXT}grid_limit`, { count: String(MAX_GRID_CAMERAS) })}</div>`
        : nothing}
      ${this._message ? html`<div class="message">${this._message}</div>` : nothing}
      ${errors.map(([name, error]) => html`<div class="message error">${name}: ${error}</div>`)}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-camera-grid": HeldarCameraGrid;
  }
}
