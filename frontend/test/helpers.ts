// What the card's unit tests share: a fake Home Assistant, waiting, and queries through shadow roots.
import type { CameraInfo, HomeAssistant, SubscribeMessage } from "../src/types";
import { defineElements } from "../src/elements";

// The elements, without the entry point's watch for a swapped registry (tests/card.test.ts has it).
defineElements();

export const CAMERA: CameraInfo = {
  camera: "sub1",
  name: "Front door",
  device_id: "dev1",
  entities: {
    state: "sensor.front_door_recorder_state",
    recording: "switch.front_door_recording",
    trigger: "button.front_door_trigger_recording",
    camera: null,
  },
  may_export: true,
};

export type Answer = (message: Record<string, unknown>) => unknown;

export interface FakeHass {
  hass: HomeAssistant;
  /** Every websocket message and subscription, in order. */
  calls: Record<string, unknown>[];
  services: unknown[][];
  /** Push a message to every subscription of a camera (all, when none is named). */
  push(message: SubscribeMessage, camera?: string): void;
  /** Answer messages of a type with a function of the message (a rejected promise for errors). */
  answer(type: string, reply: Answer): void;
}

const at = (now: number, secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();

/** A Home Assistant whose cameras record the last 10 minutes (but the last 10 s). */
export function fakeHass(cameras: CameraInfo[] = [CAMERA, { ...CAMERA, camera: "sub2", name: "Yard" }]): FakeHass {
  const calls: Record<string, unknown>[] = [];
  const services: unknown[][] = [];
  const subscribers: [string, (message: SubscribeMessage) => void][] = [];
  const now = Date.now();
  const replies = new Map<string, Answer>([
    ["heldar/cameras", () => ({ cameras, time_zone: "Europe/Berlin" })],
    [
      "call_service",
      () => ({
        response: { cameras: [{ camera: "Front door", result: "started", window_end: new Date(now + 30_000).toISOString() }] },
      }),
    ],
    [
      "heldar/timeline",
      () => ({ spans: [{ start: at(now, 600), end: at(now, 10) }], gaps: [], events: [], now: new Date(now).toISOString() }),
    ],
    ["heldar/playlist", (m) => ({ url: `/api/heldar/hls/${String(m.camera)}/playlist.m3u8`, start: m.start })],
  ]);
  const hass: HomeAssistant = {
    states: {
      "sensor.front_door_recorder_state": { entity_id: "sensor.front_door_recorder_state", state: "recording", attributes: {} },
      "switch.front_door_recording": { entity_id: "switch.front_door_recording", state: "on", attributes: {} },
    },
    language: "en",
    connection: {
      subscribeMessage<T>(callback: (message: T) => void, message: Record<string, unknown>) {
        calls.push(message);
        subscribers.push([String(message.camera), callback as unknown as (message: SubscribeMessage) => void]);
        return Promise.resolve(() => Promise.resolve());
      },
    },
    callWS<T>(message: Record<string, unknown>): Promise<T> {
      calls.push(message);
      const reply = replies.get(String(message.type));
      if (!reply) return Promise.reject(new Error(`no answer for ${String(message.type)}`));
      try {
        return Promise.resolve(reply(message) as T);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    callService(domain: string, service: string, data?: Record<string, unknown>) {
      services.push([domain, service, data]);
      return Promise.resolve();
    },
  };
  return {
    hass,
    calls,
    services,
    push: (message, camera) => {
      for (const [id, callback] of subscribers) if (!camera || id === camera) callback(message);
    },
    answer: (type, reply) => replies.set(type, reply),
  };
}

export const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first element matching `selector` in `root` or any shadow root below it. */
export function deep<E extends Element = HTMLElement>(root: ParentNode, selector: string): E | null {
  return deepAll<E>(root, selector)[0] ?? null;
}

/** Every element matching `selector` in `root` and the shadow roots below it, in document order. */
export function deepAll<E extends Element = HTMLElement>(root: ParentNode, selector: string): E[] {
  const found: E[] = [];
  const walk = (node: ParentNode) => {
    for (const element of node.querySelectorAll("*")) {
      if (element.matches(selector)) found.push(element as E);
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(root);
  return found;
}

/** An error as Home Assistant's websocket rejects with: a code and a message. */
export function wsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Give an element a layout (happy-dom has none): `width` px wide from x = 0. */
export function layOut(element: Element, width: number): void {
  element.getBoundingClientRect = () => ({ left: 0, top: 0, right: width, bottom: 36, width, height: 36, x: 0, y: 0, toJSON: () => ({}) });
  (element as HTMLElement).setPointerCapture = () => undefined;
}

export const pointer = (type: string, init: PointerEventInit = {}) =>
  new PointerEvent(type, { pointerType: "mouse", bubbles: true, button: 0, ...init });
