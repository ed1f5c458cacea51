// A rate limit client that is not Sluice's: @grpc/grpc-js with @grpc/proto-loader, loading
// Envoy's own rls.proto (and its imports) from a directory. Usage:
//   node client.js PROTO_DIR HOST:PORT
// Calls ShouldRateLimit three times for one descriptor and prints each response as JSON, one a line.
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protoDir, target] = process.argv.slice(2);
const definition = protoLoader.loadSync('envoy/service/ratelimit/v3/rls.proto', {
  includeDirs: [protoDir],
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
});
const rls = grpc.loadPackageDefinition(definition).envoy.service.ratelimit.v3;
const client = new rls.RateLimitService(target, grpc.credentials.createInsecure());

const request = {
  domain: 'node',
  descriptors: [{entries: [{key: 'client', value: 'node-1'}]}],
  hits_addend: 1,
};

function call(n) {
  if (n === 0) {
    // a malformed request: no descriptors
    client.ShouldRateLimit({domain: 'node'}, (err) => {
      console.log(JSON.stringify({error: err ? grpc.status[err.code] : null}));
      client.close();
    });
    return;
  }
  client.ShouldRateLimit(request, (err, response) => {
    if (err) {
      console.log(JSON.stringify({error: grpc.status[err.code], details: err.details}));
      process.exit(1);
    }
    console.log(JSON.stringify(response));
    call(n - 1);
  });
}
call(3);
