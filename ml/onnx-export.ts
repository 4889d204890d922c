/**
 * Trained alpha network (core/alpha/mlp.ts) → ONNX ModelProto bytes, encoded with `onnx-proto`
 * (protobufjs classes generated from ONNX's own onnx.proto; the same classes decode the file in the
 * loader, so writer and reader share one schema).
 *
 * Graph `mmflow_alpha` (opset 17, IR 8), N = dynamic batch:
 *
 *   features float32 [N, F] ─ Cast(double) ─ Sub(feature_mean) ─ Div(feature_std)
 *     ─ Gemm(W1, b1, transB=1) ─ Tanh ─ Gemm(W2, b2, transB=1) ─ Cast(float) ─ alpha_ticks float32 [N, 1]
 *
 * (the linear model has a single Gemm). Inside, the graph computes in float64 with the trainer's
 * float64 parameters: labels are tens of ticks on BTCUSDT futures (tick 0.1), where float32
 * arithmetic alone (ulp 3.8e-6 at 32–64) would use up most of the 1e-5 parity budget; in float64 the
 * only difference left is the final cast. Standardisation is kept as explicit Sub/Div nodes rather
 * than folded into the first Gemm: the file holds the training mean/std as they are (inspectable),
 * and the trainer's (x − mean)/std is reproduced step for step, for two element-wise ops on 7 values.
 * Initializers are stored in `double_data`.
 *
 * Deterministic: the same network and metadata give the same bytes (fixed node, initializer and
 * metadata order; protobufjs writes fields in field-number order).
 */
import onnxProto from 'onnx-proto';
import type { AlphaNet } from '../core/alpha/mlp.ts';
import { InvariantViolation } from '../core/errors.ts';
import {
  ALPHA_ONNX_INPUT,
  ALPHA_ONNX_IR_VERSION,
  ALPHA_ONNX_OPSET,
  ALPHA_ONNX_OUTPUT,
  metadataEntries,
  type AlphaOnnxMetadata,
} from './onnx-metadata.ts';

const { onnx } = onnxProto;

/** Producer name written into the file. */
export const ONNX_PRODUCER_NAME = 'mmflow';

/** Options of {@link exportAlphaOnnx}. */
export interface ExportOptions {
  /** `producer_version`, e.g. the package version or a git commit. Default `0.1.0`. */
  readonly producerVersion?: string;
}

/**
 * Encodes the network as an ONNX model.
 * @returns the serialized ModelProto.
 * @throws InvariantViolation `ALPHA_EXPORT_SHAPE` if the metadata's feature names do not match the
 *   network's input count or the last layer is not a single identity output; `ALPHA_EXPORT_NON_FINITE`
 *   if a parameter is NaN/±Infinity.
 */
export function exportAlphaOnnx(
  net: AlphaNet,
  meta: AlphaOnnxMetadata,
  opts: ExportOptions = {},
): Uint8Array {
  checkNet(net, meta);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
  const INT = onnx.AttributeProto.AttributeType.INT;
  const tensor = (name: string, dims: number[], values: Float64Array): onnxProto.onnx.ITensorProto => ({
    name,
    dims,
    dataType: DOUBLE,
    doubleData: Array.from(values),
  });
  const initializer: onnxProto.onnx.ITensorProto[] = [
    tensor('feature_mean', [net.featureCount], net.featureMean),
    tensor('feature_std', [net.featureCount], net.featureStd),
  ];
  const node: onnxProto.onnx.INodeProto[] = [
    {
      name: 'to_double',
      opType: 'Cast',
      input: [ALPHA_ONNX_INPUT],
      output: ['features_f64'],
      attribute: [{ name: 'to', type: INT, i: DOUBLE }],
    },
    { name: 'centre', opType: 'Sub', input: ['features_f64', 'feature_mean'], output: ['centred'] },
    { name: 'scale', opType: 'Div', input: ['centred', 'feature_std'], output: ['standardised'] },
  ];
  let current = 'standardised';
  net.layers.forEach((l, i) => {
    const last = i === net.layers.length - 1;
    const w = `W${i + 1}`;
    const b = `b${i + 1}`;
    initializer.push(tensor(w, [l.outputs, l.inputs], l.weights), tensor(b, [l.outputs], l.bias));
    const gemmOut = last ? 'alpha_f64' : `dense${i + 1}`;
    node.push({
      name: `gemm${i + 1}`,
      opType: 'Gemm',
      input: [current, w, b],
      output: [gemmOut],
      attribute: [{ name: 'transB', type: INT, i: 1 }],
    });
    current = gemmOut;
    if (l.activation === 'tanh') {
      node.push({ name: `tanh${i + 1}`, opType: 'Tanh', input: [current], output: [`hidden${i + 1}`] });
      current = `hidden${i + 1}`;
    }
  });
  node.push({
    name: 'to_float',
    opType: 'Cast',
    input: [current],
    output: [ALPHA_ONNX_OUTPUT],
    attribute: [{ name: 'to', type: INT, i: FLOAT }],
  });
  const valueInfo = (name: string, width: number): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
  });
  const model: onnxProto.onnx.IModelProto = {
    irVersion: ALPHA_ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ALPHA_ONNX_OPSET }],
    producerName: ONNX_PRODUCER_NAME,
    producerVersion: opts.producerVersion ?? '0.1.0',
    docString: `mmflow alpha model: predicted mid move over ${meta.horizonMs} ms, ticks`,
    graph: {
      name: 'mmflow_alpha',
      node,
      initializer,
      input: [valueInfo(ALPHA_ONNX_INPUT, net.featureCount)],
      output: [valueInfo(ALPHA_ONNX_OUTPUT, 1)],
    },
    metadataProps: metadataEntries(meta),
  };
  return onnx.ModelProto.encode(model).finish();
}

function checkNet(net: AlphaNet, meta: AlphaOnnxMetadata): void {
  const shape = (why: string): InvariantViolation => new InvariantViolation('ALPHA_EXPORT_SHAPE', why);
  if (meta.featureNames.length !== net.featureCount)
    throw shape(`${meta.featureNames.length} feature names for a network of ${net.featureCount} inputs`);
  if (net.featureMean.length !== net.featureCount || net.featureStd.length !== net.featureCount)
    throw shape('standardisation vectors do not match the input count');
  let inputs = net.featureCount;
  for (const [i, l] of net.layers.entries()) {
    if (l.inputs !== inputs || l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs)
      throw shape(
        `layer ${i} is ${l.outputs}×${l.inputs} with ${l.weights.length} weights after ${inputs} units`,
      );
    inputs = l.outputs;
  }
  const last = net.layers[net.layers.length - 1];
  if (last === undefined || last.outputs !== 1 || last.activation !== 'identity')
    throw shape('the last layer must have one identity output');
  const arrays = [net.featureMean, net.featureStd, ...net.layers.flatMap((l) => [l.weights, l.bias])];
  for (const a of arrays)
    for (const v of a)
      if (!Number.isFinite(v))
        throw new InvariantViolation(
          'ALPHA_EXPORT_NON_FINITE',
          `cannot export a non-finite parameter (${v})`,
        );
}
