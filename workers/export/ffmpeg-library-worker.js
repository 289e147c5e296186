// @ffmpeg/ffmpeg's worker, imported from plain JS: its type declarations carry
// `/// <reference no-default-lib="true"/>`, which would take the DOM types away from the whole
// TypeScript program if a .ts file imported it.
import '@ffmpeg/ffmpeg/worker';
