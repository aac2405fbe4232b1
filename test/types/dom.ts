// With the DOM lib: byte results go to Blob, Response and crypto.subtle without a cast.
import { DistributionCoder, FramedDecoder, FramedEncoder } from 'distribution-coder';

export async function digests(): Promise<ArrayBuffer[]> {
  const enc = new DistributionCoder();
  enc.encodeStep([0.25, 0.75], 1);
  const raw = enc.finishEncoding();
  const fe = new FramedEncoder();
  fe.encodeStep([0.25, 0.75], 1);
  const framed = fe.finish();
  const blob = new Blob([raw, framed]);
  const response = new Response(framed);
  return [
    await blob.arrayBuffer(),
    await response.arrayBuffer(),
    await crypto.subtle.digest('SHA-256', raw),
  ];
}

// Streaming frames: Response.body feeds a decoder; the encoder's readable is a ReadableStream.
export async function streamed(url: string): Promise<Response> {
  const dec = new FramedDecoder();
  const res = await fetch(url);
  if (res.body) for await (const n of dec.feed(res.body)) void n;
  const fe = new FramedEncoder({ streaming: true });
  const stream: ReadableStream<Uint8Array> = fe.readable;
  return new Response(stream);
}
