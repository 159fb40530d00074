/**
 * UPDATE messages signed by Knot DNS 3.2.6's `knsupdate`, captured off the wire with a UDP listener, as the
 * reference for our encoding and TSIG MACs. `knsupdate` compresses names, so the captures also exercise the
 * decoder's pointers. Regenerate with `knsupdate -y alg:name:secret` sending to a listener that prints the
 * datagram in hex; test/dns/tsig.test.ts also captures a fresh one from the installed knsupdate on every run.
 */

/** `update add _acme-challenge.example.test. 60 TXT "..."` and `update delete ... TXT "old-value"`. */
export const KNSUPDATE_ADD_AND_DELETE_SHA256 = {
  keyName: 'kube-lego-test',
  algorithm: 'hmac-sha256',
  secretBase64: 'a2V5LWZvci10aGUtdGVzdHMtb2YtdGhlLXdpcmUtbW9kdWxlLTAxMjM0NTY3ODk=',
  addedValue: 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0',
  deletedValue: 'old-value',
  wireHex:
    'a17b28000001000000020001076578616d706c65047465737400000600010f5f61636d652d6368616c6c656e6765c00c00100001' +
    '0000003c002c2b4c6f71586359563871354f4e624a5178626d52375343544e6f337469415844666f77796a78416a45755830c01e' +
    '001000fe00000000000a096f6c642d76616c75650e6b7562652d6c65676f2d746573740000fa00ff00000000003d0b686d61632d' +
    '7368613235360000006b0ef839012c00204460d33b19514588bd8aa15005ce15f998b81d667be1c477497b8bfbf274c83aa17b00' +
    '000000',
} as const;

/** `update add www.acme-delegate.test. 120 TXT "abc"` in zone acme-delegate.test, signed with hmac-sha512. */
export const KNSUPDATE_ADD_SHA512 = {
  keyName: 'kube-lego-sha512',
  algorithm: 'hmac-sha512',
  secretBase64: Buffer.alloc(64, 'k').toString('base64'),
  wireHex:
    '7717280000010000000100010d61636d652d64656c65676174650474657374000006000103777777c00c00100001000000780004' +
    '03616263106b7562652d6c65676f2d7368613531320000fa00ff00000000005d0b686d61632d7368613531320000006b0ef83901' +
    '2c0040440957857f224c35ea1f6ffbc2d1497604fc9ea23eb58ef6c4d2d455d28e93c5f3435b25bc6fb0c9c3c9336ebca1bb9114' +
    '64bfb40e888201430e191d8e933a39771700000000',
} as const;
