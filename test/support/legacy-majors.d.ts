// Express 4 and Koa 2 are installed under aliases to test the adapters' peer ranges.
// Their public API used by the tests matches the current majors' types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
