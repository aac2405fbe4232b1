// With the DOM lib: byte results go to Blob, Response and crypto.subtle without a cast.
import { DistributionCoder, FramedEncoder } from 'distribution-coder';
export async function digests() {
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
