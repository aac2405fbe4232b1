// With lib ESNext (Symbol.dispose declared by TypeScript too): `using` type-checks.
import { DistributionCoder, FramedEncoder } from 'distribution-coder';

export function scoped(): number {
  using coder = new DistributionCoder();
  using framed = new FramedEncoder();
  coder.encodeStep([0.5, 0.5], 0);
  framed.encodeStep([0.5, 0.5], 0);
  return coder.finishEncoding().length + framed.finish().length;
}
