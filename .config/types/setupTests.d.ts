// Brings jest-dom's matchers (toBeInTheDocument, ...) into the type checker's view of expect().
import '@testing-library/jest-dom';
