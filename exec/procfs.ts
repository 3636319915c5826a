// What /proc says about a process (Linux; the exec server's container and CI). Each helper answers "unknown"
// (undefined / empty) where /proc is missing, so callers only act on facts.
import { readdirSync, readFileSync } from 'node:fs';

interface Stat {
  pgrp: number;
  /** Clock ticks after boot: with the pid, it names one process for good (pids are reused, this pair is not). */
  startTime: string;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces and parentheses: the fields that follow start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie is already dead
    return { pgrp: Number(fields[2]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The start time of a live process, or undefined (gone, a zombie, or no /proc). */
export function processStartTime(pid: number): string | undefined {
  return stat(pid)?.startTime;
}

export function hasProcfs(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

/** Live processes whose process group is `pgid`. */
export function processesInGroup(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e) && stat(Number(e))?.pgrp === pgid).map(Number);
}

/** True when the process's environment has `NAME=` with a value starting with `prefix`. */
export function environStartsWith(pid: number, name: string, prefix: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .some((entry) => entry.startsWith(`${name}=${prefix}`));
  } catch {
    return false;
  }
}
