// The provider follows the test's clock (tests/clock.py): a test process moved to another day
// (TEST_CLOCK_SHIFT_DAYS, a frozen test) passes its moment as TEST_CLOCK_AT, and the tokens,
// cookies and interactions this provider dates must agree with it. Imported first by oidc.mjs,
// so Date is moved before oidc-provider and jose load; the clock then ticks on from there.
const at = process.env.TEST_CLOCK_AT;
if (at) {
  const RealDate = Date;
  const offset = RealDate.parse(at) - RealDate.now();
  class TestDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = TestDate;
}
