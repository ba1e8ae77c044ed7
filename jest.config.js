// One timezone for every machine, so time formatting in tests does not depend on where they run.
process.env.TZ = 'UTC';

module.exports = {
  ...require('./.config/jest.config'),
};
