// Stand-in for SheetJS: the model files read no spreadsheet data, so every reading
// function fails loudly instead of returning something wrong.
function unavailable() {
  throw new Error('spreadsheet (xlsx) input is not available in this installation')
}

module.exports = {
  set_fs() {},
  readFile: unavailable,
  utils: new Proxy({}, { get: () => unavailable })
}
