// Compile a Vensim (.mdl) or XMILE (.xmile) file with SDEverywhere to JavaScript, run
// it with the SDEverywhere runtime and write every variable's series as JSON:
//   node run.mjs MODEL_FILE OUTPUT_JSON
// Output: {"variable_id": [[time, value], ...], ...} with SDEverywhere's canonical
// ids (lower case, underscores) less their leading underscore.
import fs from 'fs'
import os from 'os'
import path from 'path'
import { pathToFileURL } from 'url'
import { parseAndGenerate } from '@sdeverywhere/compile'
import { createSynchronousModelRunner, Outputs } from '@sdeverywhere/runtime'

const [modelPath, outPath] = process.argv.slice(2)
if (!modelPath || !outPath) {
  console.error('usage: node run.mjs MODEL_FILE OUTPUT_JSON')
  process.exit(2)
}
const kind = modelPath.endsWith('.mdl') ? 'vensim' : 'xmile'
const text = fs.readFileSync(modelPath, 'utf8')
const build = fs.mkdtempSync(path.join(os.tmpdir(), 'sde-'))
try {
  const modelDir = path.dirname(path.resolve(modelPath))
  await parseAndGenerate(text, kind, {}, ['generateJS'], modelDir, 'model', build)
  const generated = await import(pathToFileURL(path.join(build, 'model.js')).href)
  const model = await generated.default()
  const runner = createSynchronousModelRunner(model)
  const outputs = new Outputs(model.outputVarIds, model.getInitialTime(), model.getFinalTime(),
                              model.getSaveFreq())
  const result = await runner.runModel([], outputs)
  const series = {}
  // outputVarIds, not outputVarNames: the XMILE reader mislabels some names
  result.varSeries.forEach((s, i) => {
    series[model.outputVarIds[i].replace(/^_/, '')] = s.points.map(p => [p.x, p.y])
  })
  fs.writeFileSync(outPath, JSON.stringify(series))
} finally {
  fs.rmSync(build, { recursive: true, force: true })
}
