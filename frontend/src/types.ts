// The review API (heldar/* websocket commands) and the slice of Home Assistant's `hass` the card uses.

export interface CameraEntities {
  state: string | null;
  recording: string | null;
  trigger: string | null;
  camera: string | null;
}

export interface CameraInfo {
  camera: string;
  name: string;
  device_id: string | null;
  entities: CameraEntities;
  /** Whether this user may export and share the camera's footage (an admin, or the hub's option). */
  may_export: boolean;
}

export interface CamerasAnswer {
  cameras: CameraInfo[];
  time_zone: string;
}

export interface Interval {
  start: string;
  end: string;
}

export interface HeldarEvent {
  id: string;
  start: string;
  end: string | null;
  reason: string;
  thumbnail: string | null;
}

/** The active stretches of a range: [start, end] pairs in UTC seconds, those closer than `join` s as one. */
export interface ActivityAnswer {
  spans: [number, number][];
  join: number;
  threshold: number;
}

export interface TimelineAnswer {
  spans: Interval[];
  gaps: Interval[];
  events: HeldarEvent[];
  /** Absent from a server older than the activity index. */
  activity?: ActivityAnswer;
  now: string;
}

export interface PlaylistAnswer {
  url: string;
  start: string;
}

export interface ExportAnswer {
  path: string;
  url: string;
  media_content_id: string;
  seconds: number;
  gaps: Interval[];
}

/** heldar/share's answer: a link to one event's clip that opens without a login until it expires. */
export interface ShareAnswer {
  share_id: string;
  url: string;
  path: string;
  expires: string;
}

export type SubscribeMessage = { segment: Interval } | { event: HeldarEvent };

export interface HassEntity {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
}

export interface HassConnection {
  subscribeMessage<T>(callback: (message: T) => void, message: Record<string, unknown>): Promise<() => Promise<void>>;
}

/** What the entity and device registries tell the frontend (the slice the card reads). */
export interface HassEntityEntry {
  entity_id: string;
  platform?: string;
  device_id?: string | null;
}

export interface HassDevice {
  id: string;
  model?: string | null;
}

export type Localize = (key: string, values?: Record<string, string | number>) => string;

export interface HomeAssistant {
  states: Record<string, HassEntity | undefined>;
  entities?: Record<string, HassEntityEntry | undefined>;
  devices?: Record<string, HassDevice | undefined>;
  connection: HassConnection;
  language?: string;
  locale?: { language: string; time_format?: string };
  localize?: Localize;
  loadBackendTranslation?(category: string, integration: string): Promise<Localize>;
  callWS<T>(message: Record<string, unknown>): Promise<T>;
  callService(domain: string, service: string, data?: Record<string, unknown>): Promise<unknown>;
  formatEntityState?(entity: HassEntity): string;
}

/** One camera's part of heldar.trigger's response. */
export interface TriggerAnswer {
  camera: string;
  result: string;
  window_end: string | null;
}

export interface ServiceAnswer<T> {
  response: T;
}

/** Stacked panels, one per camera; or the grid: every camera on one shared timeline. */
export type CardLayout = "stack" | "grid";

export interface CardConfig {
  type: string;
  layout?: CardLayout;
  /** Heldar cameras: their devices (as the editor picks them) or their camera ids. */
  cameras?: string[];
  hours?: number;
  title?: string;
}

/** A card's element as HA's card helpers build it (picture-entity for the live view). */
export interface LovelaceCardElement extends HTMLElement {
  hass?: HomeAssistant;
  setConfig(config: Record<string, unknown>): void;
}

export interface CardHelpers {
  createCardElement(config: Record<string, unknown>): LovelaceCardElement;
}
