import type { Server } from '@tus/server';
import type { Plugin } from 'vite';

export const FINAL_METADATA_HEADER: string;
export type Verified = { id: string; size: number; sha256: string; expected: string | null; matches: boolean | null; metadata: Record<string, string> };
export function parseMetadata(value: string | null | undefined): Record<string, string>;
export function sha256File(path: string): Promise<string>;
export function createTusServer(options?: { directory?: string; path?: string; maxSize?: number; allowedOrigins?: string[] | ((origin: string) => boolean); onFinish?: (v: Verified) => void }): Server;
export function tusDevEndpoint(options?: { directory?: string; path?: string; maxSize?: number; allowedOrigins?: string[] }): Plugin;
