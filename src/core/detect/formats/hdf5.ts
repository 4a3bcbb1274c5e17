import { ascii, indexOfAscii, startsWith } from '../bytes.js'
import type { Classification } from '../types.js'
import { type Probe, result } from './probe.js'

/**
 * HDF5: the superblock signature \x89HDF\r\n\x1a\n sits at offset 0, 512, 1024, 2048, ... (HDF5
 * File Format Specification, "Format Signature": a user block of 512 * 2^n bytes may precede it).
 * Keras stores its markers as attributes and link names in the object headers right after the
 * superblock, so the head holds them: `keras_version`, `backend`, `model_config` (tf.keras /
 * Keras 2 full models), `model_weights`, `layer_names` (save_weights in the legacy h5 layout).
 * Keras 3 `.weights.h5` files instead hold a `layers` group of `vars` groups.
 */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
const KERAS_ATTRS = ['model_config', 'keras_version', 'model_weights', 'layer_names']
const BACKENDS = ['tensorflow', 'jax', 'torch', 'theano', 'cntk', 'numpy']

export function hdf5SignatureOffset(head: Uint8Array): number | undefined {
  for (let off = 0; off + SIGNATURE.length <= head.length; off = off === 0 ? 512 : off * 2) {
    if (startsWith(head, SIGNATURE, off)) return off
  }
  return undefined
}

/** A NUL-terminated name as HDF5 stores link and attribute names. */
function hasName(b: Uint8Array, name: string): boolean {
  return indexOfAscii(b, `${name}\0`) >= 0
}

/** Prefilter: the superblock signature at 0, 512, 1024, ... within the head. */
export function mightMatch(head: Uint8Array): boolean {
  return hdf5SignatureOffset(head) !== undefined
}

export function detectHdf5(p: Probe): Classification | null {
  const h = p.head
  if (hdf5SignatureOffset(h) === undefined) return null
  const legacy = KERAS_ATTRS.filter(a => hasName(h, a))
  const v3Weights = hasName(h, 'layers') && hasName(h, 'vars')
  if (legacy.length === 0 && !v3Weights) return null // plain HDF5 data
  const meta: Classification['metadata'] = {}
  const extra: Record<string, string> = {
    content: legacy.includes('model_config') ? 'model' : 'weights'
  }
  // Variable-length string attribute values live in a global heap collection ("GCOL").
  const gcol = indexOfAscii(h, 'GCOL')
  if (gcol >= 0) {
    const text = ascii(h, gcol, Math.min(h.length, gcol + 8192))
    const v = /\0(\d+\.\d+\.\d+(?:[.\-+]?[0-9A-Za-z]+)*)\0/.exec(text)
    if (v && legacy.includes('keras_version')) meta.frameworkVersion = v[1]!
    const b = BACKENDS.find(x => text.includes(`\0${x}\0`))
    if (b !== undefined && legacy.includes('keras_version')) extra.backend = b
  }
  meta.extra = extra
  return result('keras-h5', 'keras', meta)
}
