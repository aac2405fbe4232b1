// The examples' small file format around a distribution-coder stream. The coder's stream has
// no header and no length, so the file stores what the decoder needs to know:
//
//   offset  size  field
//   0       4     magic "DCX1" (0x44 0x43 0x58 0x31)
//   4       1     model id (1: built-in context mixing, 2: ONNX next-byte network)
//   5       4     original length in bytes, unsigned little-endian
//   9       4     CRC-32 (IEEE, as in gzip) of the original bytes, unsigned little-endian
//   13      ...   the coder's stream (default format)
//
// The CRC lets the decompressor tell whether it got the original back (a wrong model or a
// damaged file decodes to garbage without an error: the coder cannot tell by itself).

export const MAGIC = [0x44, 0x43, 0x58, 0x31];
export const HEADER_BYTES = 13;

const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/** CRC-32 (IEEE 802.3, the one gzip and PNG use) of a Uint8Array, as an unsigned number. */
export function crc32(bytes) {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Wrap a coder stream: returns the file's bytes. */
export function pack({ modelId, length, crc, stream }) {
  const out = new Uint8Array(HEADER_BYTES + stream.length);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint8(4, modelId);
  dv.setUint32(5, length, true);
  dv.setUint32(9, crc, true);
  out.set(stream, HEADER_BYTES);
  return out;
}

/** Parse a file made by pack(); throws on a file that is not one. */
export function unpack(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length < HEADER_BYTES || MAGIC.some((m, i) => u8[i] !== m)) {
    throw new Error('not a compressed file of this example (missing the "DCX1" header)');
  }
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  return {
    modelId: dv.getUint8(4),
    length: dv.getUint32(5, true),
    crc: dv.getUint32(9, true),
    stream: u8.subarray(HEADER_BYTES),
  };
}
