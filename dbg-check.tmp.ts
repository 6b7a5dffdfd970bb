function checkAgainstModel(seed: number, steps: number, sc: Scenario): void {
  const { writer, reader, model, syncs, lo, hi } = run(seed, steps, sc);
  const mm2 = new Mm2OffsetSyncStore();
  mm2.markReadToEnd();
  for (const s of syncs) mm2.handleSync({ topic: 't', partition: 0, ...s });
  for (let g = lo; g <= hi; g++) {
    const want = model.expected(g);
    assert.deepEqual(writer.translateDetailed(g), want, `seed ${seed} g=${g}: writer vs brute force`);
    if (reader.startOffset !== undefined && g >= reader.startOffset) {
      assert.deepEqual(reader.translateDetailed(g), want, `seed ${seed} g=${g}: reader (from ${syncs.length} syncs) vs brute force`);
    }
    // Ferry's sync points are safe for an Apache MM2 reader: its +1 rule never lands after the exact answer.
    if (want && want.kind !== 'before-start') {
      const got = mm2.translateDownstream('t', 0, g);
      if (got !== undefined && got >= 0) assert.ok(got <= want.downstreamOffset, `seed ${seed} g=${g}: MM2 reading Ferry syncs overshoots (${got} > ${want.downstreamOffset})`);
    }
  }
  assert.equal(reader.processedUpTo, writer.processedUpTo, `seed ${seed}: reader position`);
  if (!sc.truncations) assert.deepEqual(reader.state(), writer.state(), `seed ${seed}: reader state`);
  const back = OffsetMap.fromBuffer(writer.toBuffer());
  for (let g = lo; g <= hi; g += 7) assert.deepEqual(back.translateDetailed(g), writer.translateDetailed(g));
}
