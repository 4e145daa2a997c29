// The Lovelace card: one review panel per configured Heldar camera, stacked; or, with
// `layout: grid`, every camera in one grid on one shared timeline.
import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { MAX_GRID_CAMERAS } from "./grid-sync";
import { CARD_TEXT, loadTexts, text } from "./strings";
import type { CameraInfo, CamerasAnswer, CardConfig, CardLayout, HomeAssistant, Localize } from "./types";

export const CARD_TYPE = "heldar-timeline-card";
/** The same card, opening as the grid: what the card picker offers as "Heldar camera grid". */
export const GRID_CARD_TYPE = "heldar-grid-card";
/** The first zoom: the last hour is a third of the track, readable on a 360 px phone. */
export const DEFAULT_HOURS = 3;
/** The model Heldar gives each camera's device (the hub's device is another). */
export const CAMERA_MODEL = "FFmpeg recorder";

export const LAYOUTS: readonly CardLayout[] = ["stack", "grid"];

/** How a config lays its cameras out: stacked panels unless it asks for the grid. */
export function layoutOf(config: CardConfig): CardLayout {
  return config.layout ?? "stack";
}

/** The cameras a config asks for (by device or camera id), in its order; every one when none. */
export function selectCameras(all: CameraInfo[], wanted: string[] | undefined): CameraInfo[] {
  if (!wanted?.length) return all;
  return wanted.flatMap((id) => all.filter((camera) => camera.camera === id || camera.device_id === id));
}

/** The visual editor, drawn by Home Assistant with its own selectors (ha-form). */
export function configForm() {
  return {
    schema: [
      {
        name: "cameras",
        selector: { device: { multiple: true, filter: { integration: "heldar", model: CAMERA_MODEL } } },
      },
      {
        name: "layout",
        selector: {
          select: {
            mode: "dropdown",
            options: [
              { value: "stack", label: "Stacked: one timeline per camera" },
              { value: "grid", label: `Grid: up to ${MAX_GRID_CAMERAS} cameras on one timeline` },
            ],
          },
        },
      },
      { name: "hours", selector: { number: { min: 1, max: 168, step: 1, mode: "box", unit_of_measurement: "h" } } },
      { name: "title", selector: { text: {} } },
    ],
    computeLabel: (schema: { name: string }, localize?: Localize): string | undefined => {
      if (schema.name === "title") return localize?.("ui.panel.lovelace.editor.card.generic.title") || "Title";
      return text(localize, `${CARD_TEXT}${schema.name}`);
    },
    computeHelper: (schema: { name: string }, localize?: Localize): string | undefined =>
      schema.name === "hours" || schema.name === "layout" ? text(localize, `${CARD_TEXT}${schema.name}_helper`) : undefined,
  };
}

export class HeldarTimelineCard extends LitElement {
  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
    _answer: { state: true },
    _error: { state: true },
  };

  static override styles = css`
    heldar-camera-timeline + heldar-camera-timeline {
      border-top: 1px solid var(--divider-color, #ddd);
      margin-top: 8px;
    }
    .title {
      padding: 12px 12px 0;
      font-size: 1.2em;
    }
    .empty {
      padding: 16px;
    }
  `;

  hass?: HomeAssistant;
  private _config: CardConfig = { type: `custom:${CARD_TYPE}` };
  private _answer: CamerasAnswer | null = null;
  private _error = "";
  private _asked = false;

  static getConfigForm() {
    return configForm();
  }

  static getStubConfig(): CardConfig {
    return { type: `custom:${CARD_TYPE}`, cameras: [], hours: DEFAULT_HOURS };
  }

  setConfig(config: CardConfig): void {
    if (config.cameras !== undefined && !Array.isArray(config.cameras)) throw new Error("cameras must be a list");
    const hours = config.hours === undefined ? undefined : Number(config.hours);
    if (hours !== undefined && !(hours > 0)) throw new Error("hours must be a positive number");
    if (config.layout !== undefined && !LAYOUTS.includes(config.layout)) {
      throw new Error(`layout must be one of: ${LAYOUTS.join(", ")}`);
    }
    this._config = { ...config, hours };
  }

  getCardSize(): number {
    if (layoutOf(this._config) === "grid") return 12;
    return 8 * Math.max(1, this._config.cameras?.length ?? 1);
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6, rows: 8, min_rows: 6 };
  }

  protected override willUpdate(): void {
    if (this.hass) loadTexts(this.hass);
    if (this.hass && !this._asked) {
      this._asked = true;
      this.hass
        .callWS<CamerasAnswer>({ type: "heldar/cameras" })
        .then((answer) => (this._answer = answer))
        .catch((err: unknown) => {
          this._asked = false;
          this._error = err instanceof Error ? err.message : JSON.stringify(err);
        });
    }
  }

  protected override render(): TemplateResult {
    const answer = this._answer;
    const cameras = answer ? selectCameras(answer.cameras, this._config.cameras) : [];
    return html`<ha-card>
      ${this._config.title ? html`<div class="title">${this._config.title}</div>` : nothing}
      ${this._error ? html`<div class="empty">Heldar: ${this._error}</div>` : nothing}
      ${answer && !cameras.length ? html`<div class="empty">No Heldar camera to show.</div>` : nothing}
      ${layoutOf(this._config) === "grid" && cameras.length
        ? html`<heldar-camera-grid
            .hass=${this.hass}
            .cameras=${cameras}
            .timeZone=${answer?.time_zone ?? "UTC"}
            .hours=${this._config.hours ?? DEFAULT_HOURS}
          ></heldar-camera-grid>`
        : this._renderStack(cameras, answer)}
    </ha-card>`;
  }

  private _renderStack(cameras: CameraInfo[], answer: CamerasAnswer | null): TemplateResult[] {
    return cameras.map(
        (camera) =>
          html`<heldar-camera-timeline
            .hass=${this.hass}
            .camera=${camera}
            .timeZone=${answer?.time_zone ?? "UTC"}
            .hours=${this._config.hours ?? DEFAULT_HOURS}
            data-camera=${camera.camera}
          ></heldar-camera-timeline>`,
      );
  }
}

/** The timeline card laid out as the grid unless its config says otherwise. */
export class HeldarGridCard extends HeldarTimelineCard {
  static override getStubConfig(): CardConfig {
    return { type: `custom:${GRID_CARD_TYPE}`, cameras: [], hours: DEFAULT_HOURS };
  }

  override setConfig(config: CardConfig): void {
    super.setConfig({ layout: "grid", ...config });
  }
}
